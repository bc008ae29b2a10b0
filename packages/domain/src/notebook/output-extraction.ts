import { base64Of } from "./chart-extraction.js";
import type { JsonValue, MultilineString, Notebook } from "./nbformat.types.js";

/** One output as §A's `/process_notebook` reports it. */
export interface ExtractedOutput {
  cell_index: number;
  output_index: number;
  type: string;
  text?: string;
  /** A stream output's name (`stdout`/`stderr`): the visionOS app tells them apart by it. */
  stream?: string;
  image_png?: string;
  image_jpeg?: string;
  image_type?: "png" | "jpeg";
  json_data?: JsonValue;
  html?: string;
  is_dataframe?: boolean;
  error?: { name: string; value: string; traceback: string[] };
}

export function extractOutputs(notebook: Notebook): ExtractedOutput[] {
  const extracted: ExtractedOutput[] = [];
  notebook.cells.forEach((cell, cellIndex) => {
    if (cell.cell_type !== "code") return;
    cell.outputs.forEach((output, outputIndex) => {
      const item: ExtractedOutput = { cell_index: cellIndex, output_index: outputIndex, type: output.output_type };
      switch (output.output_type) {
        case "stream":
          item.text = joined(output.text);
          item.stream = output.name;
          break;
        case "error":
          item.error = { name: output.ename, value: output.evalue, traceback: output.traceback };
          break;
        case "display_data":
        case "execute_result": {
          const data = output.data;
          if (data["text/plain"] !== undefined) item.text = joined(data["text/plain"] as MultilineString);
          if (data["image/png"] !== undefined) {
            item.image_png = base64Of(data["image/png"]);
            item.image_type = "png";
          } else if (data["image/jpeg"] !== undefined) {
            item.image_jpeg = base64Of(data["image/jpeg"]);
            item.image_type = "jpeg";
          }
          if (data["application/json"] !== undefined) item.json_data = data["application/json"];
          if (data["text/html"] !== undefined) {
            item.html = joined(data["text/html"] as MultilineString);
            item.is_dataframe = /class="[^"]*\bdataframe\b/.test(item.html);
          }
          break;
        }
      }
      extracted.push(item);
    });
  });
  return extracted;
}

function joined(text: MultilineString): string {
  return typeof text === "string" ? text : text.join("");
}
