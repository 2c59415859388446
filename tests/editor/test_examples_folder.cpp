#include "app/editor/examples_folder.h"
#include "tests/support/refdata.h"

#include <QDir>
#include <QFile>
#include <gtest/gtest.h>

using namespace tessera::editor;

TEST(ExamplesFolder, InstalledLayoutComesFirstThenTheSourceTree) {
    const QString root = QString::fromStdString(tessera::test::makeTempDir("examples-folder"));
    QDir(root).mkpath("usr/bin");
    QDir(root).mkpath("usr/share/tessera/examples");
    QFile(root + "/usr/share/tessera/examples/b.tessera").open(QIODevice::WriteOnly);
    QFile(root + "/usr/share/tessera/examples/a.tessera").open(QIODevice::WriteOnly);
    QFile(root + "/usr/share/tessera/examples/notes.txt").open(QIODevice::WriteOnly);
    EXPECT_EQ(examplesFolder(root + "/usr/bin"), root + "/usr/share/tessera/examples");
    EXPECT_EQ(exampleFiles(root + "/usr/bin"),
              (QStringList{root + "/usr/share/tessera/examples/a.tessera", root + "/usr/share/tessera/examples/b.tessera"}));

    // A build folder inside the source tree: build/app -> resources/examples.
    QDir(root).mkpath("src/build/app");
    QDir(root).mkpath("src/resources/examples");
    EXPECT_EQ(examplesFolder(root + "/src/build/app"), root + "/src/resources/examples");
    EXPECT_TRUE(examplesFolder(root + "/elsewhere").isEmpty());
    QDir(root).removeRecursively();
}

TEST(ExamplesFolder, TheBuildTreeFindsTheRepositorysExamples) {
    const QString source = QString::fromStdString(tessera::test::sourceDir());
    const QStringList files = exampleFiles(source + "/build/app");
    EXPECT_TRUE(files.contains(source + "/resources/examples/img2img.tessera")) << files.join(", ").toStdString();
}
