import { parseArgs } from "node:util";
import { createApiToken, listApiTokens, revokeApiToken } from "@/lib/api-tokens/tokens";
import { ConfigError } from "@/lib/config";
import { closeDatabase } from "@/lib/db";
import { createDeployment, listDeployments, updateDeployment } from "@/lib/deployments/service";
import { Problem } from "@/lib/http/problems";
import { prepareDatabase, prepareEnvironment, StartupError } from "@/lib/startup";
import { createUser, findUserByEmail } from "@/lib/users/accounts";

type Options = Record<string, string | undefined>;

class UsageError extends Error {}

const commands: Record<string, { usage: string; options: string[]; run(options: Options): Promise<unknown> }> = {
  "user:create": {
    usage: "user:create --email E --password P [--name N]",
    options: ["email", "password", "name"],
    run: (o) => createUser({ email: o.email, password: o.password, name: o.name }).then(({ id, email }) => ({ id, email })),
  },
  "deployment:create": {
    usage: "deployment:create --owner E --name N --target URL [--status running|stopped|failed] [--cors-origin O]...",
    options: ["owner", "name", "target", "status", "cors-origin"],
    run: async (o) => {
      const { id, userId, name, target, status, gatewayUrl, appUrl, corsOrigins } = await createDeployment({
        owner: o.owner,
        name: o.name,
        target: o.target,
        status: o.status,
        corsOrigins: o["cors-origin"] ? o["cors-origin"].split(",") : undefined,
      });
      return { id, userId, name, target, status, appUrl, gatewayUrl, corsOrigins };
    },
  },
  "deployment:set-status": {
    usage: "deployment:set-status --id ID --status running|stopped|failed",
    options: ["id", "status"],
    run: (o) => updateDeployment({ id: o.id, status: o.status ?? "" }),
  },
  "deployment:update": {
    usage: "deployment:update --id ID [--rate-limit N/WINDOW|off] [--algorithm sliding|token] [--burst N|off] [--target URL] [--cors-origin O,O]",
    options: ["id", "rate-limit", "algorithm", "burst", "target", "cors-origin"],
    run: (o) =>
      updateDeployment({
        id: o.id,
        rateLimit: o["rate-limit"],
        rateLimitAlgorithm: o.algorithm,
        rateLimitBurst: o.burst,
        target: o.target,
        corsOrigins: o["cors-origin"] === undefined ? undefined : o["cors-origin"].split(",").filter(Boolean),
      }),
  },
  "deployment:list": {
    usage: "deployment:list [--owner E]",
    options: ["owner"],
    run: (o) => listDeployments({ owner: o.owner }),
  },
  "token:create": {
    usage: "token:create --owner E --name N [--expires DAYS] [--deployment ID,ID]   (prints the token once)",
    options: ["owner", "name", "expires", "deployment"],
    run: async (o) => {
      const user = await userByEmail(o.owner);
      return createApiToken({
        userId: user.id,
        name: o.name,
        expiresInDays: o.expires === undefined ? undefined : /^\d+$/.test(o.expires) ? Number(o.expires) : o.expires,
        deploymentIds: o.deployment ? o.deployment.split(",") : undefined,
      });
    },
  },
  "token:list": {
    usage: "token:list --owner E",
    options: ["owner"],
    run: async (o) => listApiTokens((await userByEmail(o.owner)).id),
  },
  "token:revoke": {
    usage: "token:revoke --id ID   (running instances refuse it within 5 s)",
    options: ["id"],
    run: async (o) => {
      await revokeApiToken(o.id ?? "");
      return { revoked: o.id };
    },
  },
};

async function userByEmail(email: string | undefined) {
  const user = email ? await findUserByEmail(email) : null;
  if (!user) throw new UsageError(`No user has the email ${email ?? "(missing --owner)"}.`);
  return user;
}

function usage(): string {
  return ["Usage: npm run cli -- <command> [options]", "", ...Object.values(commands).map((c) => `  ${c.usage}`)].join("\n");
}

function parse(argv: string[]): { name: string; options: Options } {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) throw new UsageError(name ? `Unknown command: ${name}\n\n${usage()}` : usage());
  try {
    const { values } = parseArgs({
      args: rest,
      options: Object.fromEntries(command.options.map((option) => [option, { type: "string" as const }])),
      strict: true,
      allowPositionals: false,
    });
    return { name, options: values as Options };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\nUsage: npm run cli -- ${command.usage}`);
  }
}

async function main(): Promise<number> {
  const { name, options } = parse(process.argv.slice(2));
  await prepareEnvironment();
  const embedded = await prepareDatabase({ shareRunning: true });
  try {
    const result = await commands[name].run(options);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } finally {
    await closeDatabase();
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof Problem) process.stderr.write(`error: ${error.detail}\n`);
    else if (error instanceof UsageError || error instanceof ConfigError || error instanceof StartupError) process.stderr.write(`${error.message}\n`);
    else process.stderr.write(`error: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
