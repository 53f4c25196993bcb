export * from './principal';
export * from './jwt';
export * from './auth.decorators';
export * from './auth.guard';
