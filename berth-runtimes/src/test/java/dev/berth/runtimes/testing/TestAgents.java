package dev.berth.runtimes.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/**
 * Agents the tests deploy, written by the tests: each serves the agent contract ({@code GET /ping},
 * {@code POST /invocations} on 8080) and answers an invocation as a stream of server-sent events.
 * <ul>
 *   <li>part 1 says who answered: a greeting made by a module of the project, the sandbox's host
 *       name, the session id it was told, and how many invocations this sandbox has seen (counted in
 *       a file of its root filesystem, so sessions never share the count);
 *   <li>if the payload names {@code waitFor}, part 2 is only sent once that file exists: a test
 *       creates it after it has read part 1, which proves part 1 was not held back;
 *   <li>{@code {"exit": N}} makes the agent exit with code N; the file {@code /mnt/workspace/busy}
 *       makes {@code /ping} say HealthyBusy, and {@code /mnt/workspace/hang} makes it never answer.
 * </ul>
 */
public final class TestAgents {
    private TestAgents() {}

    public static final String PYTHON_MAIN = """
            import http.server, json, os, socket, sys, time
            import greeting  # a module of the project, vendored with it

            STATE = "/var/lib/agent"

            def bump():
                os.makedirs(STATE, exist_ok=True)
                path = os.path.join(STATE, "count")
                n = int(open(path).read()) + 1 if os.path.exists(path) else 1
                with open(path, "w") as f:
                    f.write(str(n))
                return n

            class Agent(http.server.BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"

                def log_message(self, fmt, *args):
                    pass

                def do_GET(self):
                    if self.path != "/ping":
                        return self.send_error(404)
                    while os.path.exists("/mnt/workspace/hang"):
                        time.sleep(0.05)
                    busy = os.path.exists("/mnt/workspace/busy")
                    body = json.dumps({"status": "HealthyBusy" if busy else "Healthy"}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

                def do_POST(self):
                    if self.path != "/invocations":
                        return self.send_error(404)
                    n = int(self.headers.get("Content-Length") or 0)
                    req = json.loads(self.rfile.read(n) or b"{}")
                    if "exit" in req:
                        os._exit(int(req["exit"]))
                    count = bump()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()

                    def event(obj):
                        data = ("data: " + json.dumps(obj) + "\\n\\n").encode()
                        self.wfile.write(b"%x\\r\\n%s\\r\\n" % (len(data), data))
                        self.wfile.flush()

                    event({"part": 1, "greeting": greeting.hello(req.get("prompt", "")), "host": socket.gethostname(),
                           "session": self.headers.get("X-Berth-Session-Id"), "count": count, "lang": "python"})
                    gate = req.get("waitFor")
                    while gate and not os.path.exists(gate):
                        time.sleep(0.01)
                    event({"part": 2, "done": True})
                    self.wfile.write(b"0\\r\\n\\r\\n")
                    self.wfile.flush()

            http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Agent).serve_forever()
            """;

    public static final String NODE_MAIN = """
            const http = require('http');
            const fs = require('fs');
            const os = require('os');
            const ms = require('ms');              // installed from npm at deploy time
            const greet = require('./lib/greet');  // a module of the project

            const STATE = '/var/lib/agent';
            function bump() {
              fs.mkdirSync(STATE, { recursive: true });
              const p = STATE + '/count';
              const n = fs.existsSync(p) ? Number(fs.readFileSync(p, 'utf8')) + 1 : 1;
              fs.writeFileSync(p, String(n));
              return n;
            }

            http.createServer((req, res) => {
              if (req.method === 'GET' && req.url === '/ping') {
                if (fs.existsSync('/mnt/workspace/hang')) return; // never answers
                res.setHeader('Content-Type', 'application/json');
                res.end(JSON.stringify({ status: fs.existsSync('/mnt/workspace/busy') ? 'HealthyBusy' : 'Healthy' }));
                return;
              }
              if (req.method !== 'POST' || req.url !== '/invocations') {
                res.statusCode = 404;
                res.end();
                return;
              }
              let body = '';
              req.on('data', (d) => { body += d; });
              req.on('end', () => {
                const r = JSON.parse(body || '{}');
                if ('exit' in r) process.exit(Number(r.exit));
                const count = bump();
                res.writeHead(200, { 'Content-Type': 'text/event-stream' });
                res.write('data: ' + JSON.stringify({ part: 1, greeting: greet(r.prompt || ''), host: os.hostname(),
                  session: req.headers['x-berth-session-id'], count, lang: 'node', twoSeconds: ms('2s') }) + '\\n\\n');
                const finish = () => res.end('data: ' + JSON.stringify({ part: 2, done: true }) + '\\n\\n');
                if (!r.waitFor) return finish();
                const t = setInterval(() => {
                  if (fs.existsSync(r.waitFor)) { clearInterval(t); finish(); }
                }, 10);
              });
            }).listen(Number(process.env.PORT || 8080), '127.0.0.1');
            """;

    /** A Python agent project: stdlib HTTP server plus a vendored module, zipped as a folder (as people do). */
    public static Path pythonZip(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        files.put("agent/main.py", PYTHON_MAIN);
        files.put("agent/greeting/__init__.py", "def hello(who):\n    return 'hello ' + who + ' from python'\n");
        files.put("agent/requirements.txt", "# everything is vendored\n");
        return zip(dir.resolve("python-agent.zip"), files);
    }

    /** A Node.js agent project whose package.json needs one package from npm. */
    public static Path nodeZip(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        files.put("server.js", NODE_MAIN);
        files.put("lib/greet.js", "module.exports = (who) => 'hello ' + who + ' from node';\n");
        files.put("package.json", """
                {"name": "test-agent", "version": "1.0.0", "main": "server.js", "dependencies": {"ms": "2.1.3"}}
                """);
        return zip(dir.resolve("node-agent.zip"), files);
    }

    /**
     * The next server-sent event of an agent's answer, as it arrives: its text up to and with the
     * blank line that ends it. Reads byte by byte, so nothing of the next event is consumed.
     */
    public static String nextEvent(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int prev = -1;
        for (int c; (c = in.read()) >= 0; prev = c) {
            b.write(c);
            if (c == '\n' && prev == '\n') {
                return b.toString(StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("the answer ended before an event: " + b.toString(StandardCharsets.UTF_8));
    }

    public static Path zip(Path file, Map<String, String> files) throws IOException {
        Files.createDirectories(file.getParent());
        try (ZipArchiveOutputStream z = new ZipArchiveOutputStream(file)) {
            for (var e : files.entrySet()) {
                ZipArchiveEntry entry = new ZipArchiveEntry(e.getKey());
                entry.setUnixMode(0100644);
                z.putArchiveEntry(entry);
                z.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                z.closeArchiveEntry();
            }
        }
        return file;
    }
}
