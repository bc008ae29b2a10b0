import { describe, expect, it } from "vitest";
import { DiagnosticTail, parseStderrLine } from "./ffmpeg-stderr.js";

describe("parseStderrLine", () => {
  it("reads showinfo's frames and time base, and tells chatter from diagnostics", () => {
    expect(parseStderrLine("[Parsed_showinfo_2 @ 0x55aae61f8fc0] config in time_base: 1/200000, frame_rate: 10/1")).toEqual({ kind: "timeBase", num: 1, den: 200000 });
    expect(parseStderrLine("[Parsed_showinfo_1 @ 0x1a604340] n:  12 pts:  40000 pts_time:0.2     pos:    40524 fmt:rgb24 sar:0/1 s:416x234 i:P iskey:0 type:B ")).toEqual({
      kind: "frame", frame: { n: 12, pts: 40000, width: 416, height: 234 },
    });
    expect(parseStderrLine("[Parsed_showinfo_2 @ 0x55aae61f8fc0] color_range:pc color_space:gbr")).toEqual({ kind: "ignored" });
    expect(parseStderrLine("  Stream #0:0(eng): Video: h264 (Main), yuv420p, 768x432")).toEqual({ kind: "ignored" });
    expect(parseStderrLine("-vsync is deprecated. Use -fps_mode")).toEqual({ kind: "ignored" });
    expect(parseStderrLine("[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1] moov atom not found")).toEqual({ kind: "diagnostic", text: "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1] moov atom not found" });
    // Shaped like a frame line but with a zero size: not trusted as one.
    expect(parseStderrLine("[Parsed_showinfo_1 @ 0x1] n:   0 pts:      0 pts_time:0 s:0x0 i:P").kind).toBe("diagnostic");
  });

  it("keeps only the last lines as the reason", () => {
    const tail = new DiagnosticTail(2);
    expect(tail.reason("exited with 1")).toBe("exited with 1");
    for (const line of ["a", "b", "c"]) tail.push(line);
    expect(tail.reason("")).toBe("b\nc");
  });
});
