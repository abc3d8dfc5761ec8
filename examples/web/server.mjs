// A tiny static server for the example page: the page from examples/web/, and the package's web
// build (bindings-wasm/pkg/web/) under /pkg/. Used by the end-to-end test; also by hand:
//
//   node examples/web/server.mjs [port]      # then open the printed address
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { dirname, extname, normalize, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const pkgWeb = resolve(here, "..", "..", "bindings-wasm", "pkg", "web");

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
};

/** The file a URL path names, or null when it is outside the two served folders. */
function fileFor(path) {
  const [root, rest] = path.startsWith("/pkg/") ? [pkgWeb, path.slice(5)] : [here, path.slice(1) || "index.html"];
  const file = resolve(root, normalize(decodeURIComponent(rest)));
  return file === root || file.startsWith(root + sep) ? file : null;
}

/** Serves on 127.0.0.1 (`port` 0: any free port); resolves to `{ server, url }`. */
export function serve({ port = 0 } = {}) {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const file = fileFor(path);
    try {
      if (!file || !(file.startsWith(pkgWeb) || [".html", ".js", ".css"].includes(extname(file)))) {
        throw Object.assign(new Error("not served"), { code: "ENOENT" });
      }
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": types[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
      });
      res.end(body);
    } catch (e) {
      res.writeHead(e.code === "ENOENT" || e.code === "EISDIR" ? 404 : 500, { "content-type": "text/plain" });
      res.end(`${path}: not found\n`);
    }
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => {
      ok({ server, url: `http://127.0.0.1:${server.address().port}/` });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { url } = await serve({ port: Number(process.argv[2] ?? 8080) });
  console.log(`serving the bankfeeds example on ${url} (Ctrl-C to stop)`);
}
