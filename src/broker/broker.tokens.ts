/** DI tokens of the broker connections (two: consuming and publishing never share one). */
export const CONSUMER_CONNECTION = Symbol('CONSUMER_CONNECTION');
export const PUBLISHER_CONNECTION = Symbol('PUBLISHER_CONNECTION');
