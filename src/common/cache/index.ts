export * from './loading-cache';
export { RecentSet } from './recent-set';
