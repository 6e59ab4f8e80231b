import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EVAL_RATE, makeNonSpeech, samplesOf, speak } from './sounds.js';
import { encodeWav, rms } from './wav-write.js';

/** A labelled file of the audio evaluation set. */
export interface AudioCase {
  file: string;
  kind: 'speech' | 'non_speech';
  /** The sound: a voice ("de+f2") for speech, the noise kind for non-speech. */
  category: string;
  durationMs: number;
  /** Where speech is, ms (empty for non-speech). */
  speech: Array<{ startMs: number; endMs: number }>;
  /** Speech: its peak level (dBFS), the background noise and the signal-to-noise ratio. */
  levelDb?: number;
  noise?: string;
  snrDb?: number;
}

/** The set's labels, written next to the files. */
export interface AudioManifest {
  version: number;
  set: 'full' | 'ci';
  cases: AudioCase[];
}

/** Bump when the recipe changes, so cached sets are regenerated. */
const VERSION = 3;

/** One sentence per language, read by each voice of that language. */
const SENTENCES: Record<string, string> = {
  'en-gb': 'Could you tell me the answer to question four? I think it is the second one.',
  'en-us': 'Hey, are you done with part two yet? The last question looks really hard.',
  de: 'Kannst du mir sagen, was bei Aufgabe drei herauskommt? Ich bin mir nicht sicher.',
  'fr-fr': 'Tu as trouvé la réponse à la question cinq? Moi, je pense que c’est la deuxième.',
  es: '¿Me puedes decir la respuesta de la pregunta seis? Creo que es la tercera opción.',
  it: 'Mi dici la risposta alla domanda due? Secondo me è la prima, ma non ne sono sicuro.',
  pt: 'Você sabe a resposta da questão sete? Acho que é a letra b, mas não tenho certeza.',
  nl: 'Weet jij het antwoord op vraag acht? Ik denk dat het de derde mogelijkheid is.',
  pl: 'Czy wiesz, jaka jest odpowiedź na pytanie dziewiąte? Myślę, że to druga opcja.',
};

/** Voice variants, speeds (words per minute) and pitches, cycled over the languages. */
const VOICES = [
  { variant: 'm3', speed: 165, pitch: 45 },
  { variant: 'f2', speed: 150, pitch: 60 },
  { variant: 'm7', speed: 185, pitch: 35 },
  { variant: 'f4', speed: 135, pitch: 70 },
];
/** Speaking close by, normally, and quietly at a distance (peak dBFS). */
const LEVELS = [-6, -18, -30];
/** Backgrounds under the speech and their signal-to-noise ratios (RMS, dB). */
const BEDS = [
  { noise: 'fan', snrDb: 15 },
  { noise: 'air_conditioner', snrDb: 10 },
  { noise: 'keyboard', snrDb: 10 },
  { noise: 'fan', snrDb: 5 },
];
const NON_SPEECH_KINDS = [
  'silence',
  'fan',
  'air_conditioner',
  'keyboard',
  'music',
  'door',
  'chair',
];
/** Silence with room noise before and after each sentence, ms. */
const PAD_MS = 1500;

/** How big each set is: the full one for the report, a small one for CI. */
const SIZES = {
  full: { languages: Object.keys(SENTENCES), voices: 2, levels: LEVELS, variants: 4, seconds: 75 },
  ci: {
    languages: ['en-gb', 'de', 'fr-fr', 'es'],
    voices: 1,
    levels: [-6, -30],
    variants: 1,
    seconds: 20,
  },
};

/** Generates the set into `dir` unless an up-to-date one is there; returns its manifest. */
export async function ensureAudioSet(
  dir: string,
  set: 'full' | 'ci',
  log: (line: string) => void = () => undefined,
): Promise<AudioManifest> {
  const manifestPath = join(dir, 'manifest.json');
  try {
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as AudioManifest;
    if (manifest.version === VERSION && manifest.set === set) return manifest;
  } catch {
    // Not generated yet.
  }
  await rm(dir, { recursive: true, force: true });
  const work = join(dir, 'work');
  await mkdir(work, { recursive: true });
  const size = SIZES[set];
  const cases: AudioCase[] = [];
  log(`generating the ${set} audio set in ${dir}`);

  const beds = new Map<string, Float32Array>();
  for (const noise of new Set(BEDS.map((b) => b.noise))) {
    const path = join(work, `bed-${noise}.wav`);
    await makeNonSpeech(noise, 9, 30, path);
    beds.set(noise, await samplesOf(path));
  }

  let n = 0;
  for (const [li, language] of size.languages.entries()) {
    for (let v = 0; v < size.voices; v++) {
      const voice = VOICES[(li + v) % VOICES.length]!;
      const name = `${language}+${voice.variant}`;
      const speech = await speak(
        work,
        `say-${n}`,
        name,
        SENTENCES[language]!,
        voice.speed,
        voice.pitch,
      );
      for (const levelDb of size.levels) {
        const bed = BEDS[n % BEDS.length]!;
        const file = `speech-${String(n).padStart(3, '0')}.wav`;
        const mixed = mix(speech, beds.get(bed.noise)!, levelDb, bed.snrDb, n);
        await writeFile(join(dir, file), encodeWav(mixed, EVAL_RATE));
        const speechMs = (speech.length * 1000) / EVAL_RATE;
        cases.push({
          file,
          kind: 'speech',
          category: name,
          durationMs: Math.round((mixed.length * 1000) / EVAL_RATE),
          speech: [{ startMs: PAD_MS, endMs: Math.round(PAD_MS + speechMs) }],
          levelDb,
          noise: bed.noise,
          snrDb: bed.snrDb,
        });
        n++;
      }
    }
  }
  for (const kind of NON_SPEECH_KINDS) {
    for (let seed = 0; seed < size.variants; seed++) {
      const file = `non-speech-${kind}-${seed}.wav`;
      await makeNonSpeech(kind, seed, size.seconds, join(dir, file));
      cases.push({
        file,
        kind: 'non_speech',
        category: kind,
        durationMs: size.seconds * 1000,
        speech: [],
      });
    }
  }
  await rm(work, { recursive: true, force: true });
  const manifest: AudioManifest = { version: VERSION, set, cases };
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * The sentence at `levelDb` peak, with PAD_MS of background before and after, the background
 * scaled to `snrDb` below the speech's RMS (taken from a different offset for each clip).
 */
function mix(speech: Float32Array, bed: Float32Array, levelDb: number, snrDb: number, n: number) {
  let peak = 0;
  for (const s of speech) peak = Math.max(peak, Math.abs(s));
  const gain = 10 ** (levelDb / 20) / (peak || 1);
  const pad = Math.round((PAD_MS * EVAL_RATE) / 1000);
  const out = new Float32Array(speech.length + 2 * pad);
  const speechRms = rms(speech) * gain;
  const bedGain = speechRms / 10 ** (snrDb / 20) / (rms(bed) || 1);
  const offset = (n * 7919) % bed.length;
  for (let i = 0; i < out.length; i++) out[i] = (bed[(offset + i) % bed.length] ?? 0) * bedGain;
  for (let i = 0; i < speech.length; i++) out[pad + i]! += (speech[i] ?? 0) * gain;
  return out;
}
