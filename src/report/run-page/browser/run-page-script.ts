/// <reference lib="dom" />
// The run page's script, served as /runs/assets/run-page.js (a module: the CSP allows no inline script). It
// receives lines as HTML the server rendered and escaped (renderLogLines), places them in the page's sections,
// follows the run's events, and handles line links, "load earlier", and search. Texts from the run that it
// writes itself (step names, annotations, search snippets) go in as text nodes, never as HTML.
export {};

interface RenderedLine {
  n: number;
  html: string;
}
interface ViewStep {
  index: number;
  name: string;
  startLine: number | null;
  endLine: number | null;
  conclusion: string | null;
  durationMs: number | null;
}
interface ViewAnnotation {
  index: number;
  level: string;
  path: string;
  line: number;
  title: string | null;
  message: string;
  logLine: number | null;
}
interface RunView {
  state: string;
  conclusion: string | null;
  reason: string | null;
  queuedMs: number | null;
  ranMs: number | null;
  steps: ViewStep[];
  groups: Array<{ title: string; startLine: number; endLine: number | null }>;
  annotations: ViewAnnotation[];
  firstErrorLine: number | null;
  scanned: { lines: number; bytes: number; complete: boolean } | null;
}
interface SearchAnswer {
  hits: Array<{ line: number; snippet: string; matchStart: number; matchLength: number }>;
  truncated: boolean;
  timedOut: boolean;
}

const EARLIER_LINES = 1000;
// A page following a long log live keeps this many lines; older ones go (and load again on demand).
const MAX_PAGE_LINES = 50_000;
const MAX_HIGHLIGHT = 5000;

const logElement = document.getElementById("log");
if (logElement) start(logElement);

function start(log: HTMLElement): void {
  const base = log.dataset["base"] ?? "";
  const attempt = log.dataset["attempt"] ?? "1";
  const status = document.getElementById("log-status");
  let firstLine = Number(log.dataset["firstLine"] ?? "0");
  let rangeAnchor: number | null = null;
  let knownAnnotations = -1;
  let pageLines = log.querySelectorAll(".line").length;

  const setStatus = (text: string) => {
    if (status) status.textContent = text;
  };
  const keyOf = (element: Element): number => Number((element as HTMLElement).dataset["line"] ?? (element as HTMLElement).dataset["start"] ?? "0");
  const endOf = (element: HTMLElement): number => (element.dataset["end"] ? Number(element.dataset["end"]) : Number.POSITIVE_INFINITY);

  function insertSorted(container: Element, element: Element, key: number): void {
    const last = container.lastElementChild;
    if (!last || keyOf(last) < key) {
      container.append(element);
      return;
    }
    for (const child of Array.from(container.children)) {
      if (keyOf(child) > key) {
        container.insertBefore(element, child);
        return;
      }
    }
    container.append(element);
  }

  function preamble(): HTMLElement {
    let element = document.getElementById("log-preamble");
    if (!element) {
      element = document.createElement("div");
      element.id = "log-preamble";
      element.className = "step-lines";
      const earlier = document.getElementById("load-earlier");
      if (earlier) earlier.after(element);
      else log.prepend(element);
    }
    return element;
  }

  function stepLines(step: HTMLElement): HTMLElement {
    let lines = step.querySelector<HTMLElement>(":scope > .step-lines");
    if (!lines) {
      lines = document.createElement("div");
      lines.className = "step-lines";
      step.append(lines);
    }
    return lines;
  }

  function stepOf(n: number): HTMLElement | null {
    let found: HTMLElement | null = null;
    for (const step of Array.from(log.querySelectorAll<HTMLElement>("details.step[data-start]"))) {
      if (Number(step.dataset["start"]) <= n) found = step;
    }
    return found;
  }

  function containerFor(n: number): HTMLElement {
    const step = stepOf(n);
    if (!step) return preamble();
    const lines = stepLines(step);
    for (const group of Array.from(lines.querySelectorAll<HTMLElement>(":scope > details.group"))) {
      if (Number(group.dataset["start"]) <= n && n <= endOf(group)) return group.querySelector<HTMLElement>(".group-lines") ?? lines;
    }
    return lines;
  }

  function addLines(lines: RenderedLine[]): void {
    if (lines.length === 0) return;
    document.getElementById("log-unscanned")?.remove();
    document.getElementById("log-tail")?.remove();
    const following = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 40;
    const template = document.createElement("template");
    for (const line of lines) {
      if (document.getElementById(`L${line.n}`)) continue; // never twice
      template.innerHTML = line.html;
      const element = template.content.firstElementChild;
      if (!element) continue;
      insertSorted(containerFor(line.n), element, line.n);
      pageLines += 1;
      if (firstLine === 0 || line.n < firstLine) firstLine = line.n;
      if (line.n > Number(log.dataset["lastLine"] ?? "0")) log.dataset["lastLine"] = String(line.n);
    }
    if (pageLines > MAX_PAGE_LINES * 1.1) dropOldest(pageLines - MAX_PAGE_LINES);
    log.dataset["firstLine"] = String(firstLine);
    const earlier = document.getElementById("load-earlier");
    if (earlier) earlier.hidden = firstLine <= 1;
    if (following && log.dataset["live"] === "true") window.scrollTo(0, document.documentElement.scrollHeight);
  }

  async function fetchLines(from: number, to: number): Promise<void> {
    if (to < from) return;
    const response = await fetch(`${base}/lines?attempt=${attempt}&from=${from}&to=${to}`, { headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(`lines: HTTP ${response.status}`);
    const answer = (await response.json()) as { lines: RenderedLine[] };
    addLines(answer.lines);
  }

  function dropOldest(count: number): void {
    const lines = log.querySelectorAll<HTMLElement>(".line");
    for (let i = 0; i < count && i < lines.length; i++) lines[i]!.remove();
    pageLines -= Math.min(count, lines.length);
    const next = log.querySelector<HTMLElement>(".line");
    if (next) firstLine = Number(next.dataset["line"]);
  }

  // A step folded away whose lines are not on the page loads them (its first part) when opened.
  log.addEventListener(
    "toggle",
    (event) => {
      const step = event.target;
      if (!(step instanceof HTMLDetailsElement) || !step.classList.contains("step") || !step.open || step.querySelector(".line")) return;
      const start = Number(step.dataset["start"] ?? "0");
      if (start < 1 || (firstLine > 0 && start >= firstLine)) return;
      const end = Math.min(step.dataset["end"] ? Number(step.dataset["end"]) : Number.POSITIVE_INFINITY, firstLine > 0 ? firstLine - 1 : Number.POSITIVE_INFINITY);
      const to = Math.min(end, start + EARLIER_LINES - 1);
      fetchLines(start, to)
        .then(() => {
          if (to < end && Number.isFinite(end)) addGap(to + 1, end);
        })
        .catch((error: unknown) => setStatus(String(error)));
    },
    true,
  );

  // Lines the stream left out (it was far behind): a button in their place loads them, a part at a time.
  function addGap(from: number, to: number): void {
    if (to < from) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "load-gap";
    button.dataset["line"] = String(from);
    button.dataset["from"] = String(from);
    button.dataset["to"] = String(to);
    button.textContent = `Lines ${from}–${to} not shown: load`;
    button.addEventListener("click", () => {
      const start = Number(button.dataset["from"]);
      const end = Math.min(to, start + EARLIER_LINES - 1);
      button.remove();
      fetchLines(start, end)
        .then(() => addGap(end + 1, to))
        .catch((error: unknown) => setStatus(String(error)));
    });
    insertSorted(containerFor(from), button, from);
  }

  function summaryOf(step: ViewStep): HTMLElement {
    const summary = document.createElement("summary");
    const conclusion = document.createElement("span");
    conclusion.className = `step-conclusion conclusion-${step.conclusion ?? "running"}`;
    conclusion.textContent = step.conclusion ?? "running";
    const name = document.createElement("span");
    name.className = "step-name";
    name.textContent = step.name;
    const duration = document.createElement("span");
    duration.className = "step-duration";
    duration.textContent = step.durationMs === null ? "" : formatDuration(step.durationMs);
    summary.append(conclusion, " ", name, " ", duration);
    return summary;
  }

  function applySteps(view: RunView): void {
    for (const step of view.steps) {
      let element = document.getElementById(`step-${step.index}`) as HTMLDetailsElement | null;
      const failedNow = (step.conclusion === "failure" || step.conclusion === "timed_out") && element?.dataset["conclusion"] !== step.conclusion;
      if (!element) {
        element = document.createElement("details");
        element.id = `step-${step.index}`;
        element.className = "step";
        element.dataset["step"] = String(step.index);
        element.open = true;
        const later = Array.from(log.querySelectorAll<HTMLElement>("details.step")).find((other) => Number(other.dataset["step"]) > step.index);
        if (later) log.insertBefore(element, later);
        else log.append(element);
      }
      element.querySelector(":scope > summary")?.remove();
      element.prepend(summaryOf(step));
      if (step.startLine !== null) {
        element.dataset["start"] = String(step.startLine);
        stepLines(element);
      }
      element.dataset["end"] = step.endLine === null ? "" : String(step.endLine);
      element.dataset["conclusion"] = step.conclusion ?? "";
      if (failedNow) element.open = true;
    }
  }

  function applyGroups(view: RunView): void {
    for (const group of view.groups) {
      const step = stepOf(group.startLine);
      if (!step) continue;
      const lines = stepLines(step);
      let element = lines.querySelector<HTMLElement>(`:scope > details.group[data-start="${group.startLine}"]`);
      if (!element) {
        element = document.createElement("details");
        element.className = "group";
        element.dataset["start"] = String(group.startLine);
        const title = document.createElement("summary");
        title.className = "group-title";
        title.textContent = group.title;
        const inside = document.createElement("div");
        inside.className = "group-lines";
        element.append(title, inside);
        insertSorted(lines, element, group.startLine);
      }
      element.dataset["end"] = group.endLine === null ? "" : String(group.endLine);
      // lines placed before the group was known move into it
      const inside = element.querySelector<HTMLElement>(".group-lines")!;
      for (const line of Array.from(lines.querySelectorAll<HTMLElement>(":scope > .line"))) {
        const n = Number(line.dataset["line"]);
        if (n >= group.startLine && n <= endOf(element)) insertSorted(inside, line, n);
      }
    }
  }

  function applyAnnotations(view: RunView): void {
    const jump = document.getElementById("jump-first-error") as HTMLAnchorElement | null;
    if (jump) {
      jump.hidden = view.firstErrorLine === null;
      if (view.firstErrorLine !== null) jump.href = `#L${view.firstErrorLine}`;
    }
    if (view.annotations.length === knownAnnotations) return;
    knownAnnotations = view.annotations.length;
    const list = document.getElementById("annotations");
    const section = document.getElementById("annotations-section");
    if (!list || !section) return;
    section.hidden = view.annotations.length === 0;
    list.replaceChildren(
      ...view.annotations.map((annotation) => {
        const item = document.createElement("li");
        item.className = `annotation level-${annotation.level}`;
        item.id = `annotation-${annotation.index}`;
        const holder = annotation.logLine === null ? item : document.createElement("a");
        if (annotation.logLine !== null) {
          item.dataset["line"] = String(annotation.logLine);
          (holder as HTMLAnchorElement).href = `#L${annotation.logLine}`;
          holder.className = "annotation-link";
          item.append(holder);
        }
        const part = (className: string, text: string) => {
          const span = document.createElement("span");
          span.className = className;
          span.textContent = text;
          holder.append(span, " ");
        };
        part("annotation-level", annotation.level);
        part("annotation-place", annotation.path ? `${annotation.path}${annotation.line > 0 ? `:${annotation.line}` : ""}` : "");
        if (annotation.title) part("annotation-title", annotation.title);
        part("annotation-message", annotation.message);
        return item;
      }),
    );
  }

  function applyView(view: RunView): void {
    document.getElementById("run-header")?.setAttribute("data-state", view.state);
    const state = document.getElementById("run-state");
    if (state) {
      state.textContent = view.state;
      state.className = `state state-${view.state}`;
      state.dataset["state"] = view.state;
    }
    const conclusion = document.getElementById("run-conclusion");
    if (conclusion) {
      conclusion.textContent = view.conclusion ?? "";
      conclusion.className = `conclusion conclusion-${view.conclusion ?? "none"}`;
      conclusion.dataset["conclusion"] = view.conclusion ?? "";
    }
    const reason = document.getElementById("run-reason");
    if (reason) reason.textContent = view.reason ?? "";
    const duration = document.getElementById("run-duration");
    if (duration) {
      duration.textContent = [view.queuedMs === null ? null : `queued ${formatDuration(view.queuedMs)}`, view.ranMs === null ? null : `ran ${formatDuration(view.ranMs)}`]
        .filter((part) => part !== null)
        .join(", ");
    }
    if (view.scanned) log.dataset["totalLines"] = String(view.scanned.lines);
    applySteps(view);
    applyGroups(view);
    applyAnnotations(view);
  }

  function follow(): void {
    if (log.dataset["live"] !== "true") return;
    const events = new EventSource(`${base}/events?attempt=${attempt}&from=${log.dataset["position"] ?? "0"}`);
    events.addEventListener("state", (event) => applyView(JSON.parse((event as MessageEvent<string>).data) as RunView));
    events.addEventListener("lines", (event) => {
      const message = event as MessageEvent<string>;
      addLines((JSON.parse(message.data) as { lines: RenderedLine[] }).lines);
      log.dataset["position"] = message.lastEventId;
      setStatus("");
    });
    events.addEventListener("skipped", (event) => {
      const gap = JSON.parse((event as MessageEvent<string>).data) as { fromLine: number; toLine: number };
      addGap(gap.fromLine, gap.toLine);
    });
    events.addEventListener("end", () => {
      events.close();
      log.dataset["live"] = "false";
      setStatus("The run is over.");
    });
    events.addEventListener("error", () => setStatus(events.readyState === EventSource.CLOSED ? "Live updates stopped; reload the page." : "Reconnecting…"));
  }

  function parseHash(): [number, number] | null {
    const match = /^#L(\d+)(?:-L(\d+))?$/.exec(location.hash);
    if (!match) return null;
    const a = Number(match[1]);
    const b = match[2] === undefined ? a : Number(match[2]);
    return [Math.min(a, b), Math.max(a, b)];
  }

  async function showHash(): Promise<void> {
    const range = parseHash();
    if (!range) return;
    const [from, to] = range;
    if (!document.getElementById(`L${from}`)) await fetchLines(from, Math.min(to, from + MAX_HIGHLIGHT - 1)).catch((error: unknown) => setStatus(String(error)));
    for (const old of Array.from(log.querySelectorAll(".line.highlighted"))) old.classList.remove("highlighted");
    for (let n = from; n <= Math.min(to, from + MAX_HIGHLIGHT - 1); n++) {
      const line = document.getElementById(`L${n}`);
      if (!line) continue;
      line.classList.add("highlighted");
      for (let parent = line.parentElement; parent; parent = parent.parentElement) if (parent instanceof HTMLDetailsElement) parent.open = true;
    }
    document.getElementById(`L${from}`)?.scrollIntoView({ block: "center" });
  }

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target.closest<HTMLAnchorElement>("a.line-number") : null;
    if (!target) return;
    const n = Number(target.closest<HTMLElement>(".line")?.dataset["line"]);
    if (event.shiftKey && rangeAnchor !== null) {
      event.preventDefault();
      location.hash = `#L${Math.min(rangeAnchor, n)}-L${Math.max(rangeAnchor, n)}`;
    } else rangeAnchor = n;
  });
  window.addEventListener("hashchange", () => void showHash());

  document.getElementById("load-earlier")?.addEventListener("click", () => {
    const before = document.documentElement.scrollHeight;
    const to = firstLine - 1;
    fetchLines(Math.max(1, to - EARLIER_LINES + 1), to)
      .then(() => window.scrollBy(0, document.documentElement.scrollHeight - before))
      .catch((error: unknown) => setStatus(String(error)));
  });

  document.getElementById("search-form")?.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("search-input") as HTMLInputElement | null;
    const results = document.getElementById("search-results");
    if (!input || !results) return;
    const query = input.value;
    results.hidden = false;
    results.textContent = "Searching…";
    fetch(`${base}/search?attempt=${attempt}&q=${encodeURIComponent(query)}`, { headers: { accept: "application/json" } })
      .then(async (response) => {
        if (!response.ok) throw new Error(`search: HTTP ${response.status}`);
        const answer = (await response.json()) as SearchAnswer;
        const summary = document.createElement("p");
        summary.id = "search-summary";
        summary.textContent = `${answer.hits.length}${answer.truncated ? "+" : ""} line(s) match${answer.timedOut ? " (the search stopped before the end of the log)" : ""}`;
        const hits = answer.hits.map((hit) => {
          const link = document.createElement("a");
          link.className = "search-hit";
          link.href = `#L${hit.line}`;
          link.dataset["line"] = String(hit.line);
          const number = document.createElement("span");
          number.className = "search-hit-line";
          number.textContent = `${hit.line}: `;
          const mark = document.createElement("mark");
          mark.textContent = hit.snippet.slice(hit.matchStart, hit.matchStart + hit.matchLength);
          link.append(number, hit.snippet.slice(0, hit.matchStart), mark, hit.snippet.slice(hit.matchStart + hit.matchLength));
          return link;
        });
        results.replaceChildren(summary, ...hits);
      })
      .catch((error: unknown) => {
        results.textContent = String(error);
      });
  });

  follow();
  void showHash();
}

function formatDuration(ms: number): string {
  const whole = Math.max(0, Math.round(ms));
  if (whole < 1000) return `${whole} ms`;
  if (whole < 60_000) return `${(whole / 1000).toFixed(1)} s`;
  const seconds = Math.round(whole / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  return seconds % 60 > 0 ? `${minutes} min ${seconds % 60} s` : `${minutes} min`;
}
