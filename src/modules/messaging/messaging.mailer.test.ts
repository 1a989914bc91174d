import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config.ts';
import { smtpMailer } from './messaging.mailer.ts';
import { messagingChannels } from './messaging.service.ts';

describe('the mail server settings', () => {
  it('send over 8 connections with a 5-minute lease unless told otherwise, and refuse what is not a whole number in range', () => {
    expect(loadConfig({})).toMatchObject({ smtpConnections: 8, sendLeaseSeconds: 300 });
    expect(loadConfig({ KLIENT_SMTP_CONNECTIONS: '16', KLIENT_SEND_LEASE_SECONDS: '5' })).toMatchObject({
      smtpConnections: 16,
      sendLeaseSeconds: 5,
    });
    for (const env of [
      { KLIENT_SMTP_CONNECTIONS: '0' },
      { KLIENT_SMTP_CONNECTIONS: '2.5' },
      { KLIENT_SMTP_CONNECTIONS: 'many' },
      { KLIENT_SEND_LEASE_SECONDS: '1' },
    ]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
    }
  });

  it('keep mail in the outbox when no server is set', () => {
    expect(loadConfig({})).toMatchObject({ smtpUrl: null, mailFrom: null });
    expect(smtpMailer({ smtpUrl: null, from: null })).toBeNull();
  });

  it('take an smtp(s) address and a sender, and name only the host', () => {
    const config = loadConfig({
      KLIENT_SMTP_URL: 'smtp://club:s3cret@smtp.example.co.il:587',
      KLIENT_MAIL_FROM: 'Café Dana <club@cafe-dana.co.il>',
    });
    expect(config).toMatchObject({ smtpUrl: 'smtp://club:s3cret@smtp.example.co.il:587' });
    const mail = { smtpUrl: config.smtpUrl, from: config.mailFrom };
    expect(smtpMailer(mail)).toMatchObject({ server: 'smtp.example.co.il', from: 'Café Dana <club@cafe-dana.co.il>' });
    const shown = JSON.stringify(messagingChannels(mail));
    expect(shown).toContain('smtp.example.co.il');
    expect(shown).not.toContain('s3cret');
  });

  it('refuse an address that is no mail server, without repeating it (it holds a password)', () => {
    for (const url of ['http://user:s3cret@example.co.il', 'smtp:/no-host', 'not a url s3cret']) {
      const attempt = () => loadConfig({ KLIENT_SMTP_URL: url, KLIENT_MAIL_FROM: 'club@example.co.il' });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).not.toThrow(/s3cret/);
    }
  });

  it('want a sender with a server, and a sender that is an address', () => {
    expect(() => loadConfig({ KLIENT_SMTP_URL: 'smtp://smtp.example.co.il' })).toThrow(/KLIENT_MAIL_FROM/);
    expect(() => loadConfig({ KLIENT_MAIL_FROM: 'the club' })).toThrow(/KLIENT_MAIL_FROM/);
    expect(loadConfig({ KLIENT_MAIL_FROM: 'club@example.co.il' }).mailFrom).toBe('club@example.co.il');
  });
});
