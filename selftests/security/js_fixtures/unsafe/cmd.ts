import { exec } from "child_process";
import * as cp from "node:child_process";
export function du(path: string) {
  exec(`du -sh ${path}`);
  cp.execSync("ls " + path);
  const m = /a(b)/.exec(path);
  return m;
}
