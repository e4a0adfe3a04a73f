export {
  createLlamaCppEmbedder,
  type LlamaCppEmbedder,
  type LlamaCppEmbedderOptions,
} from './llama-cpp-embedder.ts';
export {
  createLlamaCppLanguageModel,
  type LlamaCppLanguageModel,
  type LlamaCppLanguageModelOptions,
} from './llama-cpp-language-model.ts';
