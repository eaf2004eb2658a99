// Where the API lives. Build time: VITE_API_BASE (default same-origin "/api"). Deploy time:
// `manage.py publish_frontend --api-base URL` rewrites <meta name="tg-api-base"> in
// index.html, so one build serves both Django on a laptop and CloudFront in front of S3.

export function apiBase(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="tg-api-base"]');
  const fromMeta = meta?.content.trim();
  const fromBuild = (import.meta.env.VITE_API_BASE as string | undefined)?.trim();
  const base = fromMeta || fromBuild || "/api";
  return base.replace(/\/+$/, "");
}
