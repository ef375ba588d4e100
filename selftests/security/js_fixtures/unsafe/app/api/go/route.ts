import { NextResponse, type NextRequest } from "next/server";
export function GET(request: NextRequest) {
  const next = request.nextUrl.searchParams.get("next") ?? "/";
  return NextResponse.redirect(next);
}
