import { request as httpRequest, type IncomingHttpHeaders } from "node:http";

export interface HostAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A request to an app at `appUrl` under another Host: Node's resolver knows no `*.localhost` names, so
 * app origins are reached by connecting to the app and naming the host ourselves (as a browser would).
 */
export function hostRequest(
  appUrl: string,
  host: string,
  path: string,
  { method = "GET", headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HostAnswer> {
  const { hostname, port } = new URL(appUrl);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: hostname, port, path, method, headers: { ...headers, host } }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
      response.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}
