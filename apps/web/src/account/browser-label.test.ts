import { describe, expect, it } from 'vitest';
import { browserLabel } from './browser-label';

const UA = {
  chromeLinux:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86',
  firefoxMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  chromeIpad:
    'Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
  safariMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  operaWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0',
  samsung:
    'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
  chromebook:
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  headless:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
};

describe('browserLabel', () => {
  it('names the browser and the operating system', () => {
    expect(browserLabel(UA.chromeLinux)).toBe('Chrome on Linux');
    expect(browserLabel(UA.chromeAndroid)).toBe('Chrome on Android');
    expect(browserLabel(UA.edgeWindows)).toBe('Edge on Windows');
    expect(browserLabel(UA.firefoxMac)).toBe('Firefox on macOS');
    expect(browserLabel(UA.safariIphone)).toBe('Safari on iOS');
    expect(browserLabel(UA.chromeIpad)).toBe('Chrome on iOS');
    expect(browserLabel(UA.safariMac)).toBe('Safari on macOS');
    expect(browserLabel(UA.operaWindows)).toBe('Opera on Windows');
    expect(browserLabel(UA.samsung)).toBe('Samsung Internet on Android');
    expect(browserLabel(UA.chromebook)).toBe('Chrome on ChromeOS');
    expect(browserLabel(UA.headless)).toBe('Headless Chrome on Linux');
  });

  it('names tools that sign in with a password', () => {
    expect(browserLabel('curl/8.5.0')).toBe('curl');
    expect(browserLabel('node')).toBe('Node.js');
    expect(browserLabel('python-requests/2.32.3')).toBe('Python requests');
  });

  it('says what it can of a partial or unknown string', () => {
    expect(browserLabel('Mozilla/5.0 (Windows NT 10.0; Win64; x64)')).toBe('A browser on Windows');
    expect(browserLabel('Mozilla/5.0 Firefox/133.0')).toBe('Firefox');
    expect(browserLabel('something/1.0')).toBe('Unknown browser');
    expect(browserLabel('')).toBe('Unknown browser');
    expect(browserLabel('   ')).toBe('Unknown browser');
    expect(browserLabel(null)).toBe('Unknown browser');
    expect(browserLabel(undefined)).toBe('Unknown browser');
  });
});
