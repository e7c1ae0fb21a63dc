// Entry of dist/expressions.js: GitHub's evaluator with the AST classes and feature flags @actions/workflow-parser
// imports, so the parser's `instanceof` checks see the very classes the shared evaluator builds trees from.
export * from '@actions/expressions';
export * from '@actions/expressions/ast';
export * from '@actions/expressions/features';
