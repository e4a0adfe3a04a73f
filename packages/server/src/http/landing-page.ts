import { PROTOCOL_VERSION } from '@familiar/protocol';

/**
 * The page at `/` while the web app is not built: what is running, how to build the web app and how to connect a
 * device.
 */
export function landingPage(version: string, options: { webAppBuilt?: boolean } = {}): string {
  const build =
    options.webAppBuilt === false
      ? '<p class="note">The web app is not built: run <code>npm run build -w @familiar/web</code>, then reload this page.</p>\n'
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Familiar</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 3rem auto; padding: 0 1rem; color: #1d1d1f; }
  code { background: #f2f2f4; padding: 0.1rem 0.3rem; border-radius: 4px; }
  pre { background: #f2f2f4; padding: 0.8rem; border-radius: 6px; overflow-x: auto; }
  .ok { color: #1a7f37; }
  .note { background: #fff8e1; padding: 0.6rem 0.8rem; border-radius: 6px; }
</style>
</head>
<body>
<h1>Familiar</h1>
<p class="ok">The server is running (version ${version}, protocol v${PROTOCOL_VERSION}).</p>
${build}<p>Familiar is your own memory and assistant: what your devices capture stays on this machine, and you can see and delete all of it.</p>
<h2>Connect a device</h2>
<pre>npx familiar user add &lt;your name&gt;
npx familiar device add phone</pre>
<p>The second command prints a pairing link and QR code (open it on the phone) and a token once. Devices send it as <code>Authorization: Bearer &lt;token&gt;</code> to the
<code>/v1</code> API: <code>POST /v1/observations</code>, <code>GET /v1/observations</code>, <code>POST /v1/ask</code>.</p>
<p>Ask from the terminal: <code>npx familiar ask "what did Sam say about the deadline?"</code></p>
</body>
</html>`;
}
