# Starts the real editor under xvfb-run on an example bundle with the tiny models, runs it and
# checks that it exits 0, that SaveImage wrote a PNG and that the screenshot was written.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/models/checkpoints ${WORK}/models/tokenizers ${WORK}/output)
file(CREATE_LINK ${REFDATA}/models/tiny-sd15.safetensors ${WORK}/models/checkpoints/v1-5-pruned-emaonly.safetensors SYMBOLIC)
file(CREATE_LINK ${REFDATA}/bpe_simple_vocab_16e6.txt.gz ${WORK}/models/tokenizers/bpe_simple_vocab_16e6.txt.gz SYMBOLIC)
# The txt2img example at 64x64 with 2 steps keeps the run to seconds on the tiny model.
file(ARCHIVE_EXTRACT INPUT ${SOURCE_DIR}/resources/examples/txt2img.tessera DESTINATION ${WORK}/graph)
file(READ ${WORK}/graph/graph.json graph)
string(REGEX REPLACE "\"steps\": *[0-9]+" "\"steps\": 2" graph "${graph}")
string(REGEX REPLACE "\"(width|height)\": *512" "\"\\1\": 64" graph "${graph}")
file(WRITE ${WORK}/graph/small.json "${graph}")
execute_process(
  COMMAND ${XVFB_RUN} -a -s "-screen 0 1600x1000x24" ${EDITOR} ${WORK}/graph/small.json
          --models ${WORK}/models --output ${WORK}/output --settings ${WORK}/settings.ini
          --run --quit-after-run --screenshot ${WORK}/shot.png
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 240)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tessera-editor exited with ${rc}\n${out}\n${err}")
endif()
file(GLOB pngs ${WORK}/output/*.png)
list(LENGTH pngs count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "expected one image from SaveImage in ${WORK}/output, found ${count}\n${out}\n${err}")
endif()
if(NOT EXISTS ${WORK}/shot.png)
  message(FATAL_ERROR "no screenshot written\n${out}\n${err}")
endif()
file(SIZE ${WORK}/shot.png shotSize)
if(shotSize LESS 10000)
  message(FATAL_ERROR "the screenshot is suspiciously small (${shotSize} bytes)")
endif()
message(STATUS "editor smoke test: ${pngs}")
