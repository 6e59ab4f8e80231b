import { describe, expect, it } from 'vitest';
import { emailDomainAllowed } from './settings.service.js';

describe('emailDomainAllowed', () => {
  it('allows any domain when the list is empty', () => {
    expect(emailDomainAllowed('a@anything.example', [])).toBe(true);
  });
  it('allows listed domains and their subdomains only', () => {
    const allowed = ['uni.example'];
    expect(emailDomainAllowed('a@uni.example', allowed)).toBe(true);
    expect(emailDomainAllowed('a@students.uni.example', allowed)).toBe(true);
    expect(emailDomainAllowed('a@evil-uni.example', allowed)).toBe(false);
    expect(emailDomainAllowed('a@uni.example.evil', allowed)).toBe(false);
  });
});
