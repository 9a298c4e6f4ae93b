/** `npm run build` step: assembles the bundled guests so that `toyvmm boot NAME` starts at once. */
import { prebuildBundledImages } from "./bundled-images.js";

for (const path of prebuildBundledImages()) console.log(`assembled ${path}`);
