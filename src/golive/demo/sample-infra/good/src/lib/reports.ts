import { execFileSync } from "node:child_process";

/** 月次レポートの HTML を PDF にする (wkhtmltopdf): 引数は配列で渡し、シェルを通さない */
export function renderReportPdf(month: string): Buffer {
  return execFileSync("wkhtmltopdf", [`/tmp/report-${month}.html`, "-"]);
}
