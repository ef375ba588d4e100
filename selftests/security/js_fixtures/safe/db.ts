export async function find(pool: any, sql: any, id: string) {
  await pool.query("SELECT * FROM users WHERE id = $1", [id]);
  await sql`SELECT * FROM users WHERE id = ${id}`;
}
