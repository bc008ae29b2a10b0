import type { Pipeline, PipelinesFile } from "@parallax/domain/jobs";

/** The loaded PIPELINES_FILE: pipelines by name and the status probes. */
export class PipelineCatalog {
  private readonly byName: Map<string, Pipeline>;

  constructor(readonly file: PipelinesFile) {
    this.byName = new Map(file.pipelines.map((pipeline) => [pipeline.name, pipeline]));
  }

  get(name: string): Pipeline | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  static empty(): PipelineCatalog {
    return new PipelineCatalog({ annotations_file: "annotations.json", pipelines: [], status: {} });
  }
}
