import type { Entity, EntityLink } from '@lexigraph/contracts';
import type { Entity as EngineEntity, EntityLink as EngineEntityLink } from '@lexigraph/core';

/**
 * The entity has one definition: the zod schema of `@lexigraph/contracts`, from which its type is inferred. The
 * engine keeps a plain interface of the same shape so that `@lexigraph/core` depends on nothing (no zod, no native
 * module for a type). This is where the two meet (the pipeline hands what readers and storage produce to the
 * engine), so this file stops the build when they drift apart: a field added, removed, made optional or retyped on
 * one side only.
 */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Holds<T extends true> = T;

export type _EntityTypesAgree = Holds<Same<Entity, EngineEntity>>;
export type _EntityLinkTypesAgree = Holds<Same<EntityLink, EngineEntityLink>>;
