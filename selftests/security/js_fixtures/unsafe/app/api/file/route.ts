import { readFile } from "node:fs/promises";
import path from "node:path";
export async function GET(request: Request) {
  const name = new URL(request.url).searchParams.get("name");
  const data = await readFile(path.join("/srv/files", name));
  return new Response(data);
}
