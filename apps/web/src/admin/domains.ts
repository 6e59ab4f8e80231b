/** Splits a list of domains typed one per line or separated by commas or spaces. */
export function parseDomains(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\n,;]+/)
        .map((d) => d.trim().toLowerCase().replace(/^@/, ''))
        .filter(Boolean),
    ),
  ];
}
