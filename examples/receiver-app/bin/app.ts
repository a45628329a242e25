#!/usr/bin/env node
// The CDK CLI runs this (cdk.json); the app synthesizes itself when the CLI drives it.
import { buildApp } from '../app';

buildApp();
