// A tiny static server for dist/ on 127.0.0.1 that records every path requested. Like a real
// static host it sends text and wasm gzipped to a browser that accepts it (so a throttled
// download measures what a visitor would wait for).
import { createServer } from "node:http";
import { gzipSync } from "node:zlib";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".png": "image/png",
  ".json": "application/json",
};

export async function serve(root, prefix = "/") {
  const requests = [];
  const zipped = new Map();
  const server = createServer(async (req, res) => {
    requests.push(req.url);
    let path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (!path.startsWith(prefix)) {
      res.writeHead(404).end();
      return;
    }
    path = path.slice(prefix.length);
    if (path === "" || path.endsWith("/")) path += "index.html";
    const file = normalize(join(root, path));
    if (!file.startsWith(normalize(root))) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      const headers = { "content-type": TYPES[extname(file)] ?? "application/octet-stream" };
      if (extname(file) in TYPES && /\bgzip\b/.test(req.headers["accept-encoding"] ?? "")) {
        if (!zipped.has(file)) zipped.set(file, gzipSync(body));
        headers["content-encoding"] = "gzip";
        res.writeHead(200, headers);
        res.end(zipped.get(file));
        return;
      }
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}${prefix}`, requests, close: () => server.close() };
}
