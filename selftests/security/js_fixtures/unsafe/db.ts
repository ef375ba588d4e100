export async function find(pool: any, prisma: any, id: string) {
  await pool.query(`SELECT * FROM users WHERE id = '${id}'`);
  await pool.query("SELECT * FROM users WHERE id = " + id);
  await prisma.$queryRawUnsafe(q);
}
