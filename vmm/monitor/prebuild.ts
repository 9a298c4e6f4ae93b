/** `npm run build` step: assembles the bundled guests so that `toyvmm boot NAME` starts at once. */
import { prebuildBundledImages } from "./bundled.js";

for (const path of prebuildBundledImages()) console.log(`assembled ${path}`);
