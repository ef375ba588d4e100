import DOMPurify from "dompurify";
export default function Page({ html }: { html: string }) {
  return <div><div dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(html) }} /><script dangerouslySetInnerHTML={{ __html: JSON.stringify({a: 1}) }} /></div>;
}
