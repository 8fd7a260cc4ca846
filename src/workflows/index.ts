// Every workflow type the worker registers.
export { harvestWorkflow } from './harvest';
export { conversationWorkflow } from './conversation';
export { agentTurnWorkflow } from './agentTurn';
export { trainWorkflow } from './train';
export { loopWorkflow } from './loop';
