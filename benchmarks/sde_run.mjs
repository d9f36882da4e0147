// Runs a Vensim model exported by kazind with SDEverywhere's generated JavaScript
// (benchmarks/engine.py installs @sdeverywhere/compile and @sdeverywhere/runtime into a
// scratch folder and calls this script there). Reads a JSON job on the command line:
//   {mdl, build, inputs: [names], outputs: [names], draws: [[...], ...], runs, minSeconds}
// and prints one JSON line: the outputs of every draw (for the equality check), the
// time of the code generation, and the timing of `runs` runs cycling over the draws.
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseAndGenerate } from '@sdeverywhere/compile'
import { createSynchronousModelRunner } from '@sdeverywhere/runtime'

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
fs.mkdirSync(job.build, { recursive: true })
const name = path.basename(job.mdl, '.mdl')
const t0 = performance.now()
const text = fs.readFileSync(job.mdl, 'utf8')
const spec = { inputVarNames: job.inputs, outputVarNames: job.outputs }
await parseAndGenerate(text, 'vensim', spec, ['generateJS'], path.dirname(job.mdl), name, job.build)
const generateMs = performance.now() - t0
const jsFile = fs.readdirSync(job.build).find(f => f.endsWith('.js'))
const load = (await import(pathToFileURL(path.join(job.build, jsFile)).href)).default
const runner = createSynchronousModelRunner(await load())
const outputs = runner.createOutputs()

const results = []
for (const draw of job.draws) {
  runner.runModelSync(draw, outputs)
  results.push(outputs.varSeries.map(s => s.points.map(p => p.y)))
}
// timed: cycle over the draws
let runs = 0
const start = performance.now()
while (runs < job.runs || performance.now() - start < job.minSeconds * 1000) {
  runner.runModelSync(job.draws[runs % job.draws.length], outputs)
  runs++
}
const seconds = (performance.now() - start) / 1000
const times = outputs.varSeries[0].points.map(p => p.x)
console.log(JSON.stringify({ generateMs, runs, seconds, times, results, ids: outputs.varIds }))
