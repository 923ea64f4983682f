// E-mail and IP addresses: a syntax check, and for IPs the platform's parser.

import { isIPv4, isIPv6 } from "node:net";
import type { Candidate } from "../candidate.js";
import { contextBefore } from "../context.js";

const EMAIL = /(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])/g;
// Reserved for documentation (RFC 2606 / 6761): placeholders, not anyone's address.
const PLACEHOLDER_DOMAIN = /@(?:[\w-]+\.)*(?:example\.(?:com|org|net)|example|test|invalid|localhost)$/i;

export function findEmails(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const m of text.matchAll(EMAIL)) {
    const email = m[0];
    if (email.includes("..")) continue;
    found.push({ start: m.index, end: m.index + email.length, label: "EMAIL_ADDRESS", score: PLACEHOLDER_DOMAIN.test(email) ? 0.2 : 0.99 });
  }
  return found;
}

const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g;
// Candidate IPv6 shapes (hex groups with colons, optional embedded IPv4 and zone); node:net decides.
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?:%[\w.]+)?(?![\w:])/g;
const IP_CONTEXT = /\b(?:ip|ipv4|ipv6|address|addr|host|server|from|to|client|remote|gateway|subnet|whitelist|allowlist|blocklist|firewall)\b/i;
const PRIVATE_V4 = /^(?:10\.|127\.|0\.|169\.254\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.)/;
const VERSION_CONTEXT = /\b(?:version|ver|v|release|build)\s*$/i;

export function findIpAddresses(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const m of text.matchAll(IPV4)) {
    if (!isIPv4(m[0])) continue;
    const before = text.slice(Math.max(0, m.index - 12), m.index);
    if (VERSION_CONTEXT.test(before)) continue;
    const context = contextBefore(text, m.index, IP_CONTEXT);
    // Private, loopback and link-local addresses identify no one outside the network they live in.
    const score = context ? 0.99 : PRIVATE_V4.test(m[0]) ? 0.45 : 0.9;
    found.push({ start: m.index, end: m.index + m[0].length, label: "IP_ADDRESS", score });
  }
  for (const m of text.matchAll(IPV6)) {
    const value = m[0];
    const zone = value.indexOf("%");
    const address = zone >= 0 ? value.slice(0, zone) : value;
    // "::" alone and two-group shapes such as "a::b" in code are too weak; require three groups or a context word.
    const groups = address.split(":").filter((g) => g !== "").length;
    if (!isIPv6(address)) continue;
    const context = contextBefore(text, m.index, IP_CONTEXT);
    if (groups < 3 && !context) continue;
    found.push({ start: m.index, end: m.index + value.length, label: "IP_ADDRESS", score: context ? 0.99 : groups >= 5 ? 0.95 : 0.7 });
  }
  return found;
}
