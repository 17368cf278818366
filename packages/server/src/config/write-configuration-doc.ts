import { writeFileSync } from 'node:fs'
import { renderConfigurationDoc } from './render-configuration-doc.js'

// `npm run docs`: regenerates docs/CONFIGURATION.md from the defaults.
writeFileSync(
  new URL('../../../../docs/CONFIGURATION.md', import.meta.url),
  renderConfigurationDoc(),
)
