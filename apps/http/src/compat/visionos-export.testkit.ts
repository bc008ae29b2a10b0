/**
 * Test support: a notebook shaped like the visionOS app's exports, as its Swift exporter writes
 * them: nbformat 4.5 without cell ids, every cell with `outputs: []` and `execution_count: null`
 * (markdown cells too), the notebook metadata `visionos_export`, `workspace_metadata` and
 * `debug_info`, per-cell window metadata, and numbers as JSONSerialization writes them (a whole
 * Double as a JSON integer). Cells 2 and 5 draw with matplotlib; cell 5 draws data that cell 4
 * defines; cell 1 imports psutil, which a server may lack (the app's own debug cell does).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const MATPLOTLIB_CELLS = [2, 5] as const;

const windowMetadata = (windowId: number, windowType: string, template: string, x: number, z: number): { [key: string]: Json } => ({
  window_id: windowId,
  window_type: windowType,
  export_template: template,
  tags: [windowType.toLowerCase().replace(/ /g, "-"), "exported"],
  position: { x, y: 150, z, width: 800, height: 600.5 },
  state: { is_minimized: false, is_maximized: false, opacity: 1, content_size: 0, last_error: null },
  timestamps: { created: "2025-07-09T13:58:02Z", modified: "2025-07-09T14:02:47Z" },
});

const lines = (text: string): string[] => text.split("\n").map((line, index, all) => (index < all.length - 1 ? `${line}\n` : line));

const markdown = (source: string, metadata: { [key: string]: Json } = {}) => ({ cell_type: "markdown", metadata, source: lines(source), outputs: [], execution_count: null });
const code = (source: string, metadata: { [key: string]: Json } = {}) => ({ cell_type: "code", metadata, source: lines(source), outputs: [], execution_count: null });

export function visionOsExport(): { nbformat: number; nbformat_minor: number; metadata: { [key: string]: Json }; cells: Array<{ [key: string]: Json }> } {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { display_name: "Python 3", language: "python", name: "python3" },
      language_info: { name: "python", version: "3.9.0" },
      visionos_export: {
        version: "2.0",
        export_date: "2025-07-09T14:03:11Z",
        total_windows: 4,
        window_types: ["Charts", "Spatial Editor", "DataFrame Viewer", "Charts"],
        created_by: "Pulto visionOS",
        platform_version: "visionOS 2.5",
        spatial_range: { x: { min: -150, max: 420 }, y: { min: 150, max: 150 }, z: { min: -600, max: -100 } },
        chart_count: 2,
        window_layout_version: "1.0",
        export_templates: ["matplotlib", "pandas", "markdown", "plotly", "custom", "plain"],
        all_tags: ["charts", "exported", "spatial-editor", "dataframe-viewer"],
      },
      workspace_metadata: {
        workspace_id: "6F1C2B9A-3D4E-4F5A-8B7C-9D0E1F2A3B4C",
        name: "Pulto",
        window_count: 4,
        layout: { grid: [2, 2], spacing: 50, origin: [0, 0, -1] },
        is_template: false,
        notes: null,
      },
      debug_info: { app_version: "1.0", device: "Apple Vision Pro", memory_usage_bytes: 512345678, export_duration_s: 0.25 },
    },
    cells: [
      markdown("# VisionOS Spatial Environment Export\n\n**Total Windows:** 4  \n**Device:** Apple Vision Pro"),
      code(
        "# Debug info for spatial environment\nimport json, datetime, psutil\n\nprint(json.dumps({\"window_count\": 4, \"device\": \"Apple Vision Pro\"}, indent=2))",
      ),
      code(
        "# Charts – ID 1001\nimport matplotlib.pyplot as plt\n\nxs = list(range(10))\nys = [x * x for x in xs]\nplt.figure(figsize=(4, 3))\nplt.plot(xs, ys, color=\"blue\")\nplt.title(\"Chart from Window 1001\")\nplt.show()",
        windowMetadata(1001, "Charts", "matplotlib", -150, -300),
      ),
      markdown("# Spatial Editor – ID 1002\nPoint cloud: 1,024 points", windowMetadata(1002, "Spatial Editor", "markdown", 0, -600)),
      code("# DataFrame Viewer – ID 1003\nlabels = [\"a\", \"b\", \"c\"]\nvalues = [3, 1, 2]\nprint(len(values), \"rows\")", windowMetadata(1003, "DataFrame Viewer", "pandas", 200, -100)),
      code("# Charts – ID 1004\nimport matplotlib.pyplot as plt\nplt.bar(labels, values)", windowMetadata(1004, "Charts", "matplotlib", 420, -300)),
    ],
  };
}
