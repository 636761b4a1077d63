"""Analysis providers behind one protocol: local, openai, gemini, bedrock."""
