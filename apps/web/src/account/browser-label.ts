/**
 * A readable name for a browser from its user-agent header ("Chrome on Linux"), for lists of
 * signed-in browsers. Best effort: user agents are free text a client may forge, so the label
 * is a hint for the owner, never evidence; the raw string stays available beside it.
 */

// Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari", Android "Linux".
const BROWSERS: readonly [RegExp, string][] = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\b(OPR|Opera)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(Firefox|FxiOS)\//, 'Firefox'],
  [/\bHeadlessChrome\//, 'Headless Chrome'],
  [/\b(Chrome|CriOS)\//, 'Chrome'],
  [/\bChromium\//, 'Chromium'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

const SYSTEMS: readonly [RegExp, string][] = [
  [/\bWindows\b/, 'Windows'],
  [/\b(iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b|\bX11\b/, 'Linux'],
];

// Scripts and tools that sign in with a password (not API tokens) name themselves first.
const TOOLS: readonly [RegExp, string][] = [
  [/^curl\//i, 'curl'],
  [/^Wget\//i, 'Wget'],
  [/^python-requests\//i, 'Python requests'],
  [/^(node|undici)\b/i, 'Node.js'],
];

const firstMatch = (ua: string, table: readonly [RegExp, string][]): string | undefined =>
  table.find(([pattern]) => pattern.test(ua))?.[1];

/**
 * "Chrome on Linux", "Safari on iOS", "Firefox", "curl" or "Unknown browser": the browser
 * and operating system a user-agent string names, whichever of the two it names.
 */
export function browserLabel(userAgent: string | null | undefined): string {
  const ua = userAgent?.trim() ?? '';
  if (!ua) return 'Unknown browser';
  const tool = firstMatch(ua, TOOLS);
  if (tool) return tool;
  const browser = firstMatch(ua, BROWSERS);
  const system = firstMatch(ua, SYSTEMS);
  if (browser && system) return `${browser} on ${system}`;
  if (browser) return browser;
  if (system) return `A browser on ${system}`;
  return 'Unknown browser';
}
