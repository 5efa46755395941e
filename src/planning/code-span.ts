/**
 * `text` as a Markdown code span that shows exactly its characters, for untrusted names (a branch may contain
 * backticks): the fence is a backtick run longer than any inside, padded when the text starts or ends with a
 * backtick or space. Line breaks become spaces, since they could end the paragraph before the span is read;
 * control and bidirectional-override characters are dropped so the name reads as it is. Not for table cells,
 * where a `|` still ends the cell.
 */
export function codeSpan(text: string): string {
  const flat = text
    .replace(/\r\n|[\n\r\u0085\u2028\u2029\t]/g, " ")
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, "");
  if (flat === "") return "` `";
  let longest = 0;
  for (const run of flat.matchAll(/`+/g)) longest = Math.max(longest, run[0].length);
  const fence = "`".repeat(longest + 1);
  // CommonMark strips one space from each end when both ends have one, and a backtick at an end would join the fence.
  const pad = /^[` ]|[` ]$/.test(flat) ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}
