/**
 * What multi-net's stream client (`run=tcpstream`, guest-os/multi-net/stream-client.s) says at
 * its end, read back from its console: how many answers came, how many bytes were out of their
 * place, the longest gap between two answers in guest ticks, and its verdict. The gap is the
 * service interruption as the client saw it.
 */
export interface StreamReport {
  /** The client's process. */
  pid: number;
  answers: number;
  outOfPlace: number;
  /** Longest gap between two answers, in the client's guest ticks, and the answer that ended it. */
  gapTicks: number;
  beforeAnswer: number;
  /** Every byte came back once and in order. */
  intact: boolean;
  verdict: string;
}

const LINE = /^pid (\d+): (answers|bytes out of place|longest gap between answers, ticks:|before answer) (-?\d+)$/;
const VERDICT = /^pid (\d+): verdict: (.*)$/;
const GOOD = "every byte came back once and in order";

/** The stream clients' reports in a console's text, in the order they ended. */
export function streamReports(console: string): StreamReport[] {
  const open = new Map<number, Partial<StreamReport>>();
  const done: StreamReport[] = [];
  for (const line of console.split("\n")) {
    const verdict = VERDICT.exec(line);
    if (verdict) {
      const pid = Number(verdict[1]);
      const r = open.get(pid);
      open.delete(pid);
      if (r?.answers === undefined || r.outOfPlace === undefined || r.gapTicks === undefined || r.beforeAnswer === undefined) continue;
      done.push({ ...(r as StreamReport), pid, verdict: verdict[2]!, intact: verdict[2] === GOOD });
      continue;
    }
    const m = LINE.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    const r = open.get(pid) ?? {};
    const value = Number(m[3]);
    if (m[2] === "answers") r.answers = value;
    else if (m[2] === "bytes out of place") r.outOfPlace = value;
    else if (m[2] === "before answer") r.beforeAnswer = value;
    else r.gapTicks = value;
    open.set(pid, r);
  }
  return done;
}
