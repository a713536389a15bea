import fs from 'node:fs';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';

export interface OutgoingSms {
  /** E.164 (+98912…). */
  to: string;
  text: string;
}

export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

export interface SendResult {
  providerMessageId: string | null;
}

export interface SmsProvider {
  readonly name: string;
  sendSms(m: OutgoingSms): Promise<SendResult>;
}

export interface EmailProvider {
  readonly name: string;
  sendEmail(m: OutgoingEmail): Promise<SendResult>;
}

/**
 * The development provider: each message is one JSON line in `<dir>/messages.jsonl`, or on stdout
 * when no directory is configured. Nothing leaves the machine.
 */
export class LogProvider implements SmsProvider, EmailProvider {
  readonly name = 'log';
  private seq = 0;
  constructor(private readonly dir: string | null) {}

  private write(record: Record<string, unknown>): SendResult {
    const id = `log-${Date.now().toString(36)}-${++this.seq}`;
    const line = `${JSON.stringify({ id, at: new Date().toISOString(), ...record })}\n`;
    if (this.dir) {
      fs.mkdirSync(this.dir, { recursive: true });
      fs.appendFileSync(path.join(this.dir, 'messages.jsonl'), line);
    } else process.stdout.write(line);
    return { providerMessageId: id };
  }

  async sendSms(m: OutgoingSms): Promise<SendResult> {
    return this.write({ channel: 'sms', to: m.to, text: m.text });
  }

  async sendEmail(m: OutgoingEmail): Promise<SendResult> {
    return this.write({ channel: 'email', to: m.to, subject: m.subject, text: m.text, headers: m.headers });
  }
}

/** A provider failure whose message is safe to store and show (no keys, no passwords). */
export class ProviderError extends Error {}

/** 09121234567 from +989121234567: the receptor form Iranian gateways expect. */
export function toLocalMobile(e164: string): string {
  return e164.startsWith('+98') ? `0${e164.slice(3)}` : e164;
}

export interface HttpSmsConfig {
  /** Gateway base URL, e.g. https://api.kavenegar.com. */
  baseUrl: string;
  apiKey: string;
  /** The sender line (شماره خط), e.g. 10004346. */
  sender: string;
  timeoutMs: number;
}

/**
 * The common Iranian SMS gateway shape (Kavenegar's `sms/send.json`, which others copy): the API key in
 * the path, form fields `receptor`, `sender`, `message`, and a JSON answer `{ return: { status,
 * message }, entries: [{ messageid }] }` where status 200 means accepted.
 */
export class HttpSmsProvider implements SmsProvider {
  readonly name = 'http';
  constructor(private readonly config: HttpSmsConfig) {}

  async sendSms(m: OutgoingSms): Promise<SendResult> {
    const url = `${this.config.baseUrl.replace(/\/+$/, '')}/v1/${encodeURIComponent(this.config.apiKey)}/sms/send.json`;
    const form = new URLSearchParams({
      receptor: toLocalMobile(m.to),
      sender: this.config.sender,
      message: m.text,
    });
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.config.timeoutMs),
        redirect: 'manual',
      });
    } catch (err) {
      // fetch errors can quote the URL, which holds the API key: only the kind of failure is kept.
      const name = (err as Error).name;
      throw new ProviderError(
        name === 'TimeoutError' || name === 'AbortError'
          ? `SMS gateway timeout after ${this.config.timeoutMs} ms`
          : `SMS gateway unreachable (${((err as { cause?: { code?: string } }).cause?.code ?? name).slice(0, 40)})`,
      );
    }
    const text = (await res.text().catch(() => '')).slice(0, 4000);
    let body: {
      return?: { status?: number; message?: string };
      entries?: Array<{ messageid?: number | string }>;
    } = {};
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: judged by the HTTP status alone.
    }
    const status = body.return?.status ?? res.status;
    if (res.status !== 200 || status !== 200) {
      throw new ProviderError(
        `SMS gateway refused: HTTP ${res.status}, status ${status} ${body.return?.message ?? ''}`.trim(),
      );
    }
    const id = body.entries?.[0]?.messageid;
    return { providerMessageId: id === undefined ? null : String(id) };
  }
}

export interface SmtpConfig {
  host: string;
  port: number;
  /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  user: string | null;
  password: string | null;
  from: string;
  timeoutMs: number;
}

/** Email through any SMTP server (nodemailer). */
export class SmtpEmailProvider implements EmailProvider {
  readonly name = 'smtp';
  private readonly transport: Transporter;
  constructor(private readonly config: SmtpConfig) {
    this.transport = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure,
      ...(config.user ? { auth: { user: config.user, pass: config.password ?? '' } } : {}),
      connectionTimeout: config.timeoutMs,
      greetingTimeout: config.timeoutMs,
      socketTimeout: config.timeoutMs,
      // Local development servers have self-signed certificates; production servers are verified.
      tls: { rejectUnauthorized: !['127.0.0.1', 'localhost', '::1'].includes(config.host) },
    });
  }

  async sendEmail(m: OutgoingEmail): Promise<SendResult> {
    try {
      const info = await this.transport.sendMail({
        from: this.config.from,
        to: m.to,
        subject: m.subject,
        html: m.html,
        text: m.text,
        headers: m.headers,
      });
      return { providerMessageId: info.messageId ?? null };
    } catch (err) {
      const e = err as { code?: string; responseCode?: number; message?: string };
      throw new ProviderError(
        `SMTP ${e.code ?? 'error'}${e.responseCode ? ` ${e.responseCode}` : ''}: ${(e.message ?? '').replace(this.config.password ?? '\u0000', '***').slice(0, 200)}`,
      );
    }
  }

  close(): void {
    this.transport.close();
  }
}
