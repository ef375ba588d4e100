/** @type {import('next').NextConfig} */
const nextConfig = {
  // Docker (ローカル/CI) 用に最小構成で出力する。Vercel では無視される。
  output: "standalone",
  // 本番ではソースマップを配信しない (build-settings.json の sourceMaps と一致)
  productionBrowserSourceMaps: process.env.NEXT_PUBLIC_APP_ENV !== "production",
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
