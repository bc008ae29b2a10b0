import * as Effect from "effect/Effect";
import { StorageFailure, type NotFound } from "@parallax/domain";

/**
 * Where the files an environment names are read from. A catalog hands out locations as it found
 * them: local paths, or remote ones (`s3://bucket/key`) that the frame source (ffmpeg) and the
 * homography source cannot open. `localPath` turns a location into a local file they can read,
 * fetching it when it is remote; a local path comes back unchanged (its reader reports a missing
 * file in its own words).
 *
 * A fetch can be long and is interruptible: an interrupted or cut fetch leaves nothing a later
 * fetch would take for complete. Failures carry a message naming the location and what was wrong
 * (`s3://b/k not found`); the processing task says which kind of file it was.
 */
export interface VideoLocations {
  localPath(location: string): Effect.Effect<string, NotFound | StorageFailure>;
}
export const VideoLocations = Symbol.for("parallax.VideoLocations");

/** `scheme://…`: a location no local reader opens as it is (a Windows drive letter has one letter). */
export const isRemoteLocation = (location: string): boolean => /^[a-z][a-z0-9+.-]+:\/\//i.test(location);

/**
 * What a process with no remote storage configured has: local paths as they are, and a remote
 * location refused with a message saying so (rather than ffmpeg's "No such file or directory").
 */
export const localPathsOnly: VideoLocations = {
  localPath: (location) =>
    isRemoteLocation(location)
      ? Effect.fail(new StorageFailure({ message: `${location} cannot be read: this process has no remote storage (VideoLocations) configured` }))
      : Effect.succeed(location),
};
