export {
  compileClusterSelector,
  selectClusters,
  type ClusterSelection,
  type SelectorResult,
} from './select-clusters.js';
