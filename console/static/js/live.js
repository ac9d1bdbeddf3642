// Live updates over /api/events (Server-Sent Events), and the alarm for new level-3+ events.
// The stream is read with fetch rather than EventSource: EventSource only hands over events whose name
// a listener was registered for, and the hub names each event by its kind (shelter.status, order.issued …).

const DEFAULT_RETRY_MS = 3000;
const MAX_RETRY_MS = 30000;

export class Live {
  constructor(path) {
    this.path = path;
    this.listeners = new Set();
    this.stateListeners = new Set();
    this.lastId = null;
    this.retryMs = DEFAULT_RETRY_MS;
    this.failures = 0;
    this.controller = null;
    this.stopped = true;
    this.state = path ? "connecting" : "unavailable";
  }

  start() {
    if (!this.path || !this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    if (this.controller) this.controller.abort();
    this.controller = null;
  }

  async connect() {
    while (!this.stopped) {
      this.controller = new AbortController();
      const url = this.lastId === null ? this.path : `${this.path}?last_event_id=${this.lastId}`;
      try {
        const res = await fetch(url, { headers: { Accept: "text/event-stream" }, signal: this.controller.signal });
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        this.failures = 0;
        this.setState("open");
        await this.read(res.body.getReader());
      } catch (err) {
        if (this.stopped) return;
      }
      if (this.stopped) return;
      this.failures += 1;
      this.setState("connecting");
      const wait = Math.min(this.retryMs * this.failures, MAX_RETRY_MS);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  async read(reader) {
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        this.block(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
      }
    }
  }

  block(text) {
    let data = "";
    let id = null;
    for (const line of text.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (name === "data") data += (data ? "\n" : "") + value;
      else if (name === "id") id = value;
      else if (name === "retry" && /^\d+$/.test(value)) this.retryMs = Number(value);
    }
    if (id !== null && /^\d+$/.test(id)) this.lastId = id;
    if (!data) return;
    let event;
    try {
      event = JSON.parse(data);
    } catch {
      return;
    }
    for (const listener of this.listeners) listener(event);
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  on(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onState(listener) {
    this.stateListeners.add(listener);
    listener(this.state);
    return () => this.stateListeners.delete(listener);
  }
}

// The 警戒レベル an event announces, if any (station events carry alert_level; orders and alerts level).
export function eventLevel(event) {
  const data = event.data || {};
  for (const key of ["alert_level", "level"]) {
    const value = Number(data[key]);
    if (Number.isInteger(value) && value > 0) return value;
  }
  return null;
}

export class Alarm {
  constructor(threshold, baseTitle) {
    this.threshold = threshold;
    this.baseTitle = baseTitle;
    this.unseen = 0;
    this.muted = localStorage.getItem("bosai.console.muted") === "1";
    this.audio = null;
  }

  // Browsers only allow sound after a user gesture: call this from a click or key press.
  unlock() {
    if (this.audio || !window.AudioContext) return;
    this.audio = new AudioContext();
  }

  setMuted(muted) {
    this.muted = muted;
    localStorage.setItem("bosai.console.muted", muted ? "1" : "0");
  }

  check(event) {
    const level = eventLevel(event);
    if (level === null || level < this.threshold) return false;
    if (event.kind && (event.kind.endsWith("lifted") || event.kind.endsWith("cancelled"))) return false;
    this.unseen += 1;
    this.showBadge();
    if (!this.muted) this.beep(level);
    return true;
  }

  showBadge() {
    document.title = this.unseen ? `(${this.unseen}) ${this.baseTitle}` : this.baseTitle;
  }

  acknowledge() {
    this.unseen = 0;
    this.showBadge();
  }

  beep(level) {
    if (!this.audio) return;
    const ctx = this.audio;
    const pulses = level >= 5 ? 4 : level >= 4 ? 3 : 2;
    for (let i = 0; i < pulses; i += 1) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "square";
      osc.frequency.value = i % 2 ? 660 : 880;
      const start = ctx.currentTime + i * 0.28;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.22);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start);
      osc.stop(start + 0.25);
    }
  }
}
