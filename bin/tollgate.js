#!/usr/bin/env node
// `npx tollgate …` inside the checkout: runs the compiled CLI (npm install builds it via the prepare script).
import { run } from "../dist/src/main.js";

process.exitCode = await run(process.argv.slice(2), process);
