import { execSync } from "node:child_process";

/** 月次レポートの HTML を PDF にする (wkhtmltopdf) */
export function renderReportPdf(month: string): Buffer {
  return execSync(`wkhtmltopdf /tmp/report-${month}.html -`);
}
