#!/usr/bin/env node
// The `latch` command as npm installs it. It exists before the first build, so `npm ci` links it;
// the command itself is compiled to dist/ by `npm run build`.
import '../dist/bin.js'
