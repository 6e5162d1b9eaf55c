#!/usr/bin/env node
// The command line: start, record, replay, cassettes ls/show. Flags are parsed by commander and
// validated once by the config schema; a bad value prints what is accepted and exits 2.
import { Command, Option } from 'commander';
import { startPaymock, VERSION, type StopSummary } from './app.js';
import { listCassettes, showCassette } from './cassettes/report.js';
import { loadConfig, MODES } from './config.js';
import { caCommand } from './commands/ca.js';
import { runDoctor } from './commands/doctor.js';
import { initCommand } from './commands/init.js';
import { keysCommand } from './commands/keys.js';
import { rulesCheck } from './commands/rules-check.js';
import { PaymockError } from './core/errors.js';
import { createLogger } from './core/log.js';
import { RELAY_PATH } from './notify/relay.js';

interface ServeFlags {
  mode?: string;
  cassette?: string;
  upstream?: string;
  port?: string;
  host?: string;
  config?: string;
  cassettesDir?: string;
  rulesDir?: string;
  maxBodyBytes?: string;
  maxResponseBytes?: string;
  upstreamTimeoutMs?: string;
  log?: string;
  intercept?: string;
  caDir?: string;
  caCert?: string;
  caKey?: string;
  upstreamCa?: string;
  insecureUpstream?: boolean;
  adminToken?: string;
  recordErrors?: boolean;
  durable?: boolean;
  forwardHosts?: string;
  publicUrl?: string;
}

function serveOptions(command: Command, withMode: boolean): Command {
  if (withMode) {
    command.addOption(new Option('--mode <mode>', `what answers requests: ${MODES.join(' | ')} (default: mock)`));
    command.option('--cassette <name>', 'cassette to replay from or record into (cassettes/<name>.json)');
  }
  return command
    .option('--upstream <url>', 'where origin-form (gateway mode) requests go, e.g. https://openapi-sandbox.dl.alipaydev.com')
    .option('--port <n>', 'port to listen on; 0 picks a free one (default: 8080)')
    .option('--host <host>', 'address to listen on (default: 127.0.0.1)')
    .option('--config <file>', 'JSON file of options; flags win over it')
    .option('--cassettes-dir <dir>', 'where cassettes live (default: cassettes)')
    .option('--rules-dir <dir>', 'where custom rule files live, reloaded on change (default: rules)')
    .option('--max-body-bytes <n>', 'largest request body accepted, larger gets 413 (default: 10485760)')
    .option('--max-response-bytes <n>', 'largest upstream response accepted, larger gets 502 (default: 67108864)')
    .option('--upstream-timeout-ms <n>', 'how long to wait for the upstream before 504 (default: 30000)')
    .option('--log <level>', 'silent | info | debug (default: info)')
    .option('--intercept <hosts>', 'hosts whose HTTPS is decrypted: host,*.example.com or * (default: the Alipay gateways)')
    .option('--ca-dir <dir>', 'where the generated CA and leaf certificates live (default: .paymock)')
    .option('--ca-cert <file>', 'use this CA certificate instead of the generated one (with --ca-key)')
    .option('--ca-key <file>', 'the private key of --ca-cert')
    .option('--upstream-ca <file>', 'also trust this CA (PEM) for upstream TLS, e.g. a private sandbox')
    .option('--insecure-upstream', 'do not verify upstream TLS certificates (prints a warning)')
    .option('--forward-hosts <hosts>', 'the only hosts paymock forwards to: host,*.example.com (required with a non-loopback --host)')
    .option('--durable', 'write every recorded exchange to disk before answering it (slower; nothing lost on SIGKILL)')
    .option('--record-errors', 'also record upstream system errors (5xx, SYSTEM_ERROR, 20000), which are skipped by default')
    .option('--public-url <url>', 'where the real sandbox reaches paymock: notify_url is relayed through <url>/__paymock/notify/ while recording')
    .option('--admin-token <token>', 'open the admin API to other hosts, for holders of this token (needed with a non-loopback --host)');
}

function printSummary(summary: StopSummary): void {
  const counts = Object.entries(summary.counts).filter(([, n]) => n > 0);
  const total = counts.reduce((sum, [, n]) => sum + n, 0);
  const lines = [`paymock stopped: ${total} request(s) answered${counts.length ? ` (${counts.map(([s, n]) => `${s} ${n}`).join(', ')})` : ''}`];
  const cassette = summary.cassette;
  if (cassette) {
    if (cassette.recorded > 0) lines.push(`  cassette "${cassette.name}": ${cassette.recorded} new interaction(s) written to ${cassette.file}`);
    if (cassette.loaded > 0) {
      const unused = cassette.unused;
      const list = unused.slice(0, 20).map((i) => `#${i}`).join(', ');
      lines.push(`  ${unused.length} of ${cassette.loaded} recorded interaction(s) never used${unused.length ? `: ${list}${unused.length > 20 ? ', ...' : ''}` : ''}`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function serve(flags: ServeFlags, preset: { mode?: string; cassette?: string } = {}): Promise<void> {
  const { config: file, publicUrl, ...rest } = flags;
  const config = await loadConfig(file, { ...rest, ...preset, ...(publicUrl ? { notify: { publicBaseUrl: publicUrl } } : {}) });
  const running = await startPaymock(config);
  const extras = [
    config.cassette && `cassette ${config.cassette}`,
    config.upstream && `upstream ${config.upstream}`,
    config.notify.relay && `notify relay ${config.notify.publicBaseUrl}${RELAY_PATH}`,
  ].filter(Boolean);
  process.stdout.write(`paymock ${VERSION} listening on ${running.url} (mode ${running.mode}${extras.length ? `, ${extras.join(', ')}` : ''})\n`);
  const shutdown = async (signal: string) => {
    process.stderr.write(`paymock: ${signal}, flushing and stopping\n`);
    try {
      printSummary(await running.stop());
      process.exit(0);
    } catch (error) {
      process.stderr.write(`paymock: could not stop cleanly: ${(error as Error).message}\n`);
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

const program = new Command('paymock')
  .description('Record, replay and simulate payment gateways (Alipay first) as an HTTP(S) proxy')
  .version(VERSION)
  .showHelpAfterError('(run with --help to see what is accepted)');

serveOptions(program.command('start').description('start paymock (default mode: mock, the simulated sandbox)'), true).action(
  (flags: ServeFlags) => serve(flags),
);

serveOptions(
  program.command('record <name>').description('forward to the upstream and record every exchange into cassettes/<name>.json'),
  false,
).action((name: string, flags: ServeFlags) => serve(flags, { mode: 'record', cassette: name }));

serveOptions(
  program.command('replay <name>').description('answer only from cassettes/<name>.json; never touch the network'),
  false,
).action((name: string, flags: ServeFlags) => serve(flags, { mode: 'replay', cassette: name }));

program
  .command('ca')
  .description("create paymock's CA if needed, print where it is and how each client trusts it")
  .option('--ca-dir <dir>', 'where the generated CA lives', '.paymock')
  .option('--ca-cert <file>', 'a CA certificate of your own (with --ca-key)')
  .option('--ca-key <file>', 'the private key of --ca-cert')
  .option('--proxy <url>', 'the paymock URL the instructions should name', 'http://127.0.0.1:8080')
  .action(async (flags: { caDir: string; caCert?: string; caKey?: string; proxy: string }) => {
    await caCommand({ ...flags, proxyUrl: flags.proxy }, (line) => process.stdout.write(`${line}\n`), createLogger('info'));
  });

program
  .command('init')
  .description("prepare this project: .gitignore for paymock's keys, rules/ and cassettes/, a starter config")
  .action(async () => {
    await initCommand('.', (line) => process.stdout.write(`${line}\n`));
  });

program
  .command('keys')
  .description("create paymock's test Alipay key pair if needed and print the public key your app's test profile must trust")
  .option('--ca-dir <dir>', 'where paymock keeps its keys', '.paymock')
  .action(async (flags: { caDir: string }) => {
    await keysCommand(flags.caDir, (line) => process.stdout.write(`${line}\n`));
  });

program
  .command('doctor')
  .description('check a running paymock from the client side and print what each runtime needs')
  .option('--proxy <url>', 'the running paymock', 'http://127.0.0.1:8080')
  .action(async (flags: { proxy: string }) => {
    const healthy = await runDoctor(flags.proxy.replace(/\/+$/, ''), (line) => process.stdout.write(`${line}\n`));
    process.exitCode = healthy ? 0 : 1;
  });

program
  .command('rules')
  .description('custom mock rules')
  .command('check [dir]')
  .description('validate every rule file in dir (default: rules/); exits 1 on an error')
  .action(async (dir: string | undefined) => {
    process.exitCode = await rulesCheck(dir ?? 'rules', (line) => process.stdout.write(`${line}\n`));
  });

const cassettes = program.command('cassettes').description('inspect recorded cassettes');
cassettes
  .command('ls')
  .description('list cassettes with their interaction counts')
  .option('--cassettes-dir <dir>', 'where cassettes live', 'cassettes')
  .action(async (flags: { cassettesDir: string }) => {
    process.exitCode = await listCassettes(flags.cassettesDir, (line) => process.stdout.write(`${line}\n`));
  });
cassettes
  .command('show <name>')
  .description('print the interactions of one cassette and their match keys')
  .option('--cassettes-dir <dir>', 'where cassettes live', 'cassettes')
  .option('--json', 'print the stored JSON instead')
  .action(async (name: string, flags: { cassettesDir: string; json?: boolean }) => {
    await showCassette(flags.cassettesDir, name, Boolean(flags.json), (line) => process.stdout.write(`${line}\n`));
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = error instanceof PaymockError ? error.code : 'ERROR';
  process.stderr.write(`paymock: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(code === 'CONFIG_INVALID' ? 2 : 1);
}
