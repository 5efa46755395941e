import { describe, expect, it } from "vitest";
import { renderLogLines } from "../../../src/report/run-page/render-log-lines.js";

const render = (text: string, marks = new Map<number, number[]>()) => renderLogLines([{ n: 7, text, cut: false }], marks)[0]!.html;
const textOf = (html: string) => /<span class="line-text">(.*)<\/span>(?:<a class="annotation-marker|<\/div>)/.exec(html)![1]!;

describe("renderLogLines", () => {
  it("escapes markup in log text: no element or attribute can come from a line", () => {
    const html = textOf(render(`<script>alert(1)</script> <img src=x onerror="alert(2)"> a "quoted" 'x' & more`));
    expect(html).toBe("&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=&quot;alert(2)&quot;&gt; a &quot;quoted&quot; &#x27;x&#x27; &amp; more");
    expect(html).not.toMatch(/<(?!\/?span)/);
  });

  it("escapes markup inside coloured text too", () => {
    const html = textOf(render("\u001b[31m<b onclick=x>red</b>\u001b[0m"));
    expect(html).toBe('<span class="ansi-red-fg">&lt;b onclick=x&gt;red&lt;/b&gt;</span>');
  });

  it("renders colours and styles as classes, never inline styles (the CSP forbids them)", () => {
    const html = textOf(render("\u001b[1;32mok\u001b[0m \u001b[38;5;208morange\u001b[0m \u001b[48;2;10;200;30mbg\u001b[0m \u001b[3;4mx\u001b[0m"));
    expect(html).not.toContain("style=");
    expect(html).toContain('<span class="ansi-green-fg ansi-bold">ok</span>');
    expect(html).toMatch(/<span class="ansi-c\d+-fg">orange<\/span>/);
    expect(html).toMatch(/<span class="ansi-c\d+-bg">bg<\/span>/);
    expect(html).toContain('<span class="ansi-italic ansi-underline">x</span>');
  });

  it("makes OSC 8 hyperlinks links for http(s) only, never javascript: or data:", () => {
    const link = (url: string) => render(`\u001b]8;;${url}\u0007click\u001b]8;;\u0007`);
    expect(link("https://example.com/a?b=1&c=\"2\"")).toContain('<a rel="nofollow noopener noreferrer" href="https://example.com/a?b=1&amp;c=&quot;2&quot;">click</a>');
    for (const url of ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<script>x</script>", "vbscript:x"]) {
      const html = link(url);
      expect(html).not.toContain("<a rel");
      expect(html).not.toContain("href=\"" + url.slice(0, 4));
      expect(html.toLowerCase()).not.toContain("javascript:");
    }
  });

  it("collapses \\r redraws to the last one, keeping the colour set before it", () => {
    expect(textOf(render("progress 10%\rprogress 50%\rprogress 100%\r"))).toBe("progress 100%");
    expect(textOf(render("\u001b[33m 10%\r 99%\u001b[0m"))).toBe('<span class="ansi-yellow-fg"> 99%</span>');
  });

  it("renders each line on its own: an escape a line leaves open cannot hide the next", () => {
    const [first, second] = renderLogLines(
      [
        { n: 1, text: "\u001b]8;;https://x.example\u0007never closed", cut: false },
        { n: 2, text: "the error that must show", cut: false },
      ],
      new Map(),
    );
    expect(textOf(first!.html)).toBe("never closed");
    expect(textOf(second!.html)).toBe("the error that must show");
    const [red, plain, cutOff, after] = renderLogLines(
      ["\u001b[31mred, never reset", "plain", "\u001b]0;a title\u0007shown\u001b(B \u001b[3", "after"].map((text, i) => ({ n: i + 1, text, cut: false })),
      new Map(),
    );
    expect(textOf(red!.html)).toBe('<span class="ansi-red-fg">red, never reset</span>');
    expect(textOf(plain!.html)).toBe("plain");
    expect(textOf(cutOff!.html)).toBe("shown 3");
    expect(textOf(after!.html)).toBe("after");
  });

  it("drops other control characters", () => {
    expect(textOf(render("a\u0000b\u0007c\u007fd\te"))).toBe("abcd\te");
  });

  it("gives each line its number, a link to itself and links to its annotations", () => {
    const html = render("error here", new Map([[7, [0, 3]]]));
    expect(html).toMatch(/^<div class="line" id="L7" data-line="7"><a class="line-number" href="#L7">7<\/a>/);
    expect(html).toContain('href="#annotation-0"');
    expect(html).toContain('href="#annotation-3"');
  });

  it("marks a line that was cut", () => {
    expect(renderLogLines([{ n: 1, text: "x", cut: true }], new Map())[0]!.html).toContain('class="line-cut"');
  });
});
