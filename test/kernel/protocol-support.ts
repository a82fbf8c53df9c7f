/** Test support for the kernel tests. */
export { recordingLogger, type RecordingLogger } from "../helpers/index.js";
