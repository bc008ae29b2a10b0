/**
 * The usage of the commands whose modules load the tracking stack (the composition root, onnxruntime
 * adapters: ~0.4 s): kept apart so `parallax <command> --help` answers without loading them.
 */
export const trackUsage = "usage: parallax track --env demo|FILE [--id ENVIRONMENT] [--out DIR]\n";
export const trackTaskUsage = "usage: parallax track-task TASK_ID   (run by a worker for a queued processing task)\n";
export const detectUsage = "usage: parallax detect (--images DIR | --video FILE) --out det.txt\n";
