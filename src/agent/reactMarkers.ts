// The react protocol's markers: part of the agent protocol, not of any one environment. An
// environment's react prompt names them; the agent strategy, the exporter and the simulated model
// read and write them.
export const REACT = {
  thought: 'THOUGHT:',
  apiCall: 'APICALL:',
  say: 'SAY:',
  apiResult: 'APIRESULT:',
  formatError: 'FORMAT ERROR:',
} as const;
