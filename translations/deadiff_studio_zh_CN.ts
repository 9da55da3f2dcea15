<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>QObject</name>
    <message>
        <location filename="../ui/drop_zone.cpp" line="47"/>
        <source>Images (%1);;All files (*)</source>
        <translation>图像 (%1);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="65"/>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="66"/>
        <source>%1 min %2 s</source>
        <translation>%1 分 %2 秒</translation>
    </message>
</context>
<context>
    <name>deadiff::ui::BatchDialog</name>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="29"/>
        <source>Batch Export</source>
        <translation>批量导出</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="34"/>
        <source>One prompt per line</source>
        <translation>每行一个提示词</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="40"/>
        <source>Add References…</source>
        <translation>添加参考图…</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="41"/>
        <source>Each chosen image becomes its own style set</source>
        <translation>每张选中的图像各自成为一组风格</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="42"/>
        <source>Add a Mix…</source>
        <translation>添加混合…</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="43"/>
        <source>The chosen images become one set, mixed with equal weights (or the mix values for two)</source>
        <translation>选中的图像组成一组，按相同权重混合（两张时按混合值）</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="45"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="47"/>
        <source>Choose Style References</source>
        <translation>选择风格参考图</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="80"/>
        <source>e.g. 0.3, 0.5, 0.7 (sets of two references)</source>
        <translation>例如 0.3, 0.5, 0.7（用于两张参考图的组）</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="135"/>
        <source>Seeds:</source>
        <translation>种子：</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="85"/>
        <source>e.g. 1, 2, 3 (empty: one random seed for all)</source>
        <translation>例如 1, 2, 3（留空：所有图像共用一个随机种子）</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="82"/>
        <source>List:</source>
        <translation>列表：</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="86"/>
        <source>Number of seeds:</source>
        <translation>种子数量：</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="91"/>
        <source>Seeds follow the form&apos;s seed: s, s+1, …</source>
        <translation>种子从表单中的种子依次递增：s, s+1, …</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="102"/>
        <source>e.g. 0.6, 0.8, 1.0 (empty: %1)</source>
        <translation>例如 0.6, 0.8, 1.0（留空：%1）</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="110"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="113"/>
        <source>Output Folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="123"/>
        <source>Fields: {index} {seed} {style} {prompt} {mix} {image_weight} {steps} {cfg} {width} {height} {sampler} {batch_index}; {prompt:20} keeps 20 characters</source>
        <translation>可用字段：{index} {seed} {style} {prompt} {mix} {image_weight} {steps} {cfg} {width} {height} {sampler} {batch_index}；{prompt:20} 表示保留前 20 个字符</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="132"/>
        <source>Prompts:</source>
        <translation>提示词：</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="133"/>
        <source>Style sets:</source>
        <translation>风格组：</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="134"/>
        <source>Mix values:</source>
        <translation>混合值：</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="136"/>
        <source>Image weights:</source>
        <translation>图像权重：</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="137"/>
        <source>Output folder:</source>
        <translation>输出文件夹：</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="138"/>
        <source>File names:</source>
        <translation>文件名：</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="141"/>
        <source>Add to Queue</source>
        <translation>加入队列</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="181"/>
        <source>%1: &apos;%2&apos; is not a number.</source>
        <translation>%1：“%2”不是数字。</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="199"/>
        <source>Prompts: write at least one prompt.</source>
        <translation>提示词：请至少填写一个提示词。</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="209"/>
        <source>Mix values</source>
        <translation>混合值</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="210"/>
        <source>Image weights</source>
        <translation>图像权重</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="221"/>
        <source>Seeds: &apos;%1&apos; is not a whole number ≥ 0.</source>
        <translation>种子：“%1”不是大于等于 0 的整数。</translation>
    </message>
    <message>
        <location filename="../ui/batch_dialog.cpp" line="253"/>
        <source>Output folder: choose where the images go.</source>
        <translation>输出文件夹：请选择图像的保存位置。</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/batch_dialog.cpp" line="256"/>
        <source>%n image(s); images already in the folder with the same settings are kept.</source>
        <translation>
            <numerusform>共 %n 张图像；文件夹中已有的相同设置的图像将被保留。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>deadiff::ui::BatchQueuePanel</name>
    <message>
        <location filename="../ui/batch_queue.cpp" line="36"/>
        <source>Image: %p%</source>
        <translation>当前图像：%p%</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="39"/>
        <source>Job: %v / %m</source>
        <translation>任务：%v / %m</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="43"/>
        <location filename="../ui/batch_queue.cpp" line="147"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="45"/>
        <source>Cancel Job</source>
        <translation>取消任务</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="76"/>
        <source>Seconds per image</source>
        <translation>每张图像耗时（秒）</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="79"/>
        <source>Image</source>
        <translation>图像</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="80"/>
        <source>Seconds</source>
        <translation>秒</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="127"/>
        <source>queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="129"/>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="131"/>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="133"/>
        <source>done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="135"/>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="137"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/batch_queue.cpp" line="139"/>
        <source>%n image(s) → %1 — %2</source>
        <translation>
            <numerusform>%n 张图像 → %1 — %2</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="147"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="179"/>
        <source>Image %1 of %2</source>
        <translation>第 %1 / %2 张</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="181"/>
        <source> · %1 left</source>
        <translation> · 剩余 %1</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/batch_queue.cpp" line="183"/>
        <source> · %n kept</source>
        <translation>
            <numerusform> · 保留 %n 张</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="204"/>
        <source>%1 new, %2 kept</source>
        <translation>新生成 %1 张，保留 %2 张</translation>
    </message>
    <message>
        <location filename="../ui/batch_queue.cpp" line="211"/>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
</context>
<context>
    <name>deadiff::ui::ControlUnitEditor</name>
    <message>
        <location filename="../ui/control_units.cpp" line="56"/>
        <source>None: the image is the hint</source>
        <translation>无：图像本身就是提示图</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="58"/>
        <source>Canny edges</source>
        <translation>Canny 边缘</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="60"/>
        <source>Scribble (strokes of a drawing)</source>
        <translation>涂鸦（画稿的笔画）</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="62"/>
        <source>Line art</source>
        <translation>线稿</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="64"/>
        <source>Tile (blurred picture)</source>
        <translation>Tile（模糊后的图像）</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="66"/>
        <source>Shuffle (colours without layout)</source>
        <translation>Shuffle（保留颜色、打乱布局）</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="68"/>
        <source>Depth map (normalised)</source>
        <translation>深度图（归一化）</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="70"/>
        <source>Depth from a photo (MiDaS ONNX)</source>
        <translation>从照片估计深度（MiDaS ONNX）</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="79"/>
        <source>Low threshold</source>
        <translation>低阈值</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="80"/>
        <source>High threshold</source>
        <translation>高阈值</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="82"/>
        <source>Ink threshold</source>
        <translation>墨迹阈值</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="84"/>
        <source>Line width (px)</source>
        <translation>线宽（像素）</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="86"/>
        <source>Down-sampling factor</source>
        <translation>缩小倍数</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="88"/>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="103"/>
        <source>default</source>
        <translation>默认</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="157"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="159"/>
        <source>Remove this ControlNet</source>
        <translation>移除这个 ControlNet</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="168"/>
        <source>From the file name</source>
        <translation>由文件名判断</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="171"/>
        <source>What the ControlNet was trained to read; by default its file name says (control_v11p_sd15_canny, control_sd15_depth, …)</source>
        <translation>ControlNet 训练时读取的提示图类型；默认由文件名判断（control_v11p_sd15_canny、control_sd15_depth 等）</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="175"/>
        <source>control_v11p_sd15_canny.pth</source>
        <translation>control_v11p_sd15_canny.pth</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="176"/>
        <location filename="../ui/control_units.cpp" line="220"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="179"/>
        <source>Choose a ControlNet checkpoint</source>
        <translation>选择 ControlNet 模型文件</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="180"/>
        <source>ControlNet checkpoints (*.pth *.ckpt *.safetensors);;All files (*)</source>
        <translation>ControlNet 模型文件 (*.pth *.ckpt *.safetensors);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="185"/>
        <source>Hint</source>
        <translation>提示图</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="185"/>
        <source>Drop a picture or a ready hint</source>
        <translation>拖入一张图片或现成的提示图</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="193"/>
        <source>Hint preview</source>
        <translation>提示图预览</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="194"/>
        <source>The hint as the ControlNet sees it, at the image size</source>
        <translation>ControlNet 实际看到的提示图（按生成尺寸）</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="204"/>
        <source>The kind&apos;s default</source>
        <translation>该类型的默认方式</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="207"/>
        <source>How the hint is made from the dropped picture</source>
        <translation>如何从拖入的图片生成提示图</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="219"/>
        <source>MiDaS .onnx file</source>
        <translation>MiDaS .onnx 文件</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="223"/>
        <source>Choose a depth estimation model</source>
        <translation>选择深度估计模型</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="224"/>
        <source>ONNX models (*.onnx);;All files (*)</source>
        <translation>ONNX 模型 (*.onnx);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="235"/>
        <source>How strongly the hint holds the layout</source>
        <translation>提示图对构图的约束强度</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="238"/>
        <source>Fraction of the steps after which the ControlNet starts to act</source>
        <translation>ControlNet 在采样步数的这一比例处开始作用</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="239"/>
        <source>Fraction of the steps after which it stops</source>
        <translation>在采样步数的这一比例处停止作用</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="244"/>
        <source>Save hint…</source>
        <translation>保存提示图…</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="246"/>
        <source>Write the hint shown in the preview to a PNG</source>
        <translation>将预览中的提示图保存为 PNG</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="248"/>
        <location filename="../ui/control_units.cpp" line="252"/>
        <source>Save the hint</source>
        <translation>保存提示图</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="249"/>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="259"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="260"/>
        <source>ControlNet</source>
        <translation>ControlNet</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="265"/>
        <source>Preprocessor</source>
        <translation>预处理</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="267"/>
        <source>Depth model</source>
        <translation>深度模型</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="268"/>
        <source>Strength</source>
        <translation>强度</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="269"/>
        <source>Steps from – to</source>
        <translation>作用步数（从–到）</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="372"/>
        <source>There is no hint to save yet.</source>
        <translation>还没有可保存的提示图。</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="403"/>
        <source>Default: %1</source>
        <translation>默认：%1</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="411"/>
        <source>No preprocessor here makes this kind of hint: choose one, or drop a ready hint and choose “None”.</source>
        <translation>本程序没有能生成这类提示图的预处理：请选择一种预处理，或拖入现成的提示图并选择“无”。</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="433"/>
        <source>Choose a MiDaS .onnx depth model to estimate depth</source>
        <translation>请选择 MiDaS .onnx 深度模型以估计深度</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="437"/>
        <source>Making the hint…</source>
        <translation>正在生成提示图…</translation>
    </message>
</context>
<context>
    <name>deadiff::ui::ControlUnitsPanel</name>
    <message>
        <location filename="../ui/control_units.cpp" line="443"/>
        <source>ControlNet (layout)</source>
        <translation>ControlNet（构图）</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="447"/>
        <source>Hold the layout of hints (edges, depth, scribbles, …) while the style comes from the references; several ControlNets act together</source>
        <translation>用提示图（边缘、深度、涂鸦等）固定构图，风格仍来自参考图；多个 ControlNet 可同时作用</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="452"/>
        <source>Add ControlNet</source>
        <translation>添加 ControlNet</translation>
    </message>
    <message>
        <location filename="../ui/control_units.cpp" line="487"/>
        <source>ControlNet %1</source>
        <translation>ControlNet %1</translation>
    </message>
</context>
<context>
    <name>deadiff::ui::Gallery</name>
    <message>
        <location filename="../ui/gallery.cpp" line="48"/>
        <source>seed %1</source>
        <translation>种子 %1</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="60"/>
        <source>Save As…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="61"/>
        <source>Copy Image</source>
        <translation>复制图像</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="62"/>
        <source>Reuse Settings</source>
        <translation>重用这些设置</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="65"/>
        <source>Use as Style Reference A</source>
        <translation>用作风格参考 A</translation>
    </message>
    <message>
        <location filename="../ui/gallery.cpp" line="67"/>
        <source>Use as Style Reference B</source>
        <translation>用作风格参考 B</translation>
    </message>
</context>
<context>
    <name>deadiff::ui::GenerationForm</name>
    <message>
        <location filename="../ui/generation_form.cpp" line="90"/>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="94"/>
        <source>Describe the picture, e.g. “a lighthouse on a cliff at dusk”</source>
        <translation>描述画面，例如“黄昏时悬崖上的灯塔”</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="101"/>
        <source>Negative prompt</source>
        <translation>反向提示词</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="104"/>
        <source>What the picture should avoid</source>
        <translation>画面中应避免的内容</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="117"/>
        <source>Style references</source>
        <translation>风格参考图</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="120"/>
        <source>Style A</source>
        <translation>风格 A</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="120"/>
        <source>Drop a style image here</source>
        <translation>将风格图像拖放到这里</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="122"/>
        <source>Style B</source>
        <translation>风格 B</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="122"/>
        <source>Drop a second style to mix</source>
        <translation>拖入第二张风格图以进行混合</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="139"/>
        <source>How much of style B goes into the mix (needs two references)</source>
        <translation>混合中风格 B 所占的比例（需要两张参考图）</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="157"/>
        <source>Strength of the reference images against the prompt</source>
        <translation>参考图相对于提示词的影响强度</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="161"/>
        <source>Style</source>
        <translation>风格</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="162"/>
        <location filename="../ui/generation_form.cpp" line="186"/>
        <source>Content</source>
        <translation>内容</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="163"/>
        <source>Style and content</source>
        <translation>风格与内容</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="164"/>
        <source>None (prompt only)</source>
        <translation>无（仅使用提示词）</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="165"/>
        <source>The style references set the look; the prompt sets the subject</source>
        <translation>风格参考图决定画面风格，提示词决定主体</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="167"/>
        <source>The content reference (or style A) sets the subject</source>
        <translation>由内容参考图（或风格 A）决定主体</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="169"/>
        <source>Style from the style references, subject from the content reference</source>
        <translation>风格取自风格参考图，主体取自内容参考图</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="171"/>
        <source>Plain Stable Diffusion 1.5: references are ignored</source>
        <translation>纯 Stable Diffusion 1.5：忽略所有参考图</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="176"/>
        <source>Mix</source>
        <translation>混合</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="177"/>
        <source>Image weight</source>
        <translation>图像权重</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="178"/>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="184"/>
        <source>Content reference (optional)</source>
        <translation>内容参考图（可选）</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="186"/>
        <source>Drop an image whose subject to keep</source>
        <translation>拖入一张要保留其主体的图像</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="195"/>
        <source>Sampling</source>
        <translation>采样</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="206"/>
        <source>Size</source>
        <translation>尺寸</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="218"/>
        <source>Classifier-free guidance: how closely to follow the prompt</source>
        <translation>无分类器引导：生成结果遵循提示词的程度</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="221"/>
        <source>CFG</source>
        <translation>引导系数</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="223"/>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="229"/>
        <source>random</source>
        <translation>随机</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="230"/>
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="233"/>
        <source>Draw a new seed for every generation</source>
        <translation>每次生成都抽取新的种子</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="234"/>
        <source>Reuse last</source>
        <translation>沿用上次</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="236"/>
        <source>Use the seed of the last image again</source>
        <translation>再次使用上一张图像的种子</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="248"/>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="255"/>
        <source>Sampler</source>
        <translation>采样器</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="262"/>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="263"/>
        <source>float32 (exact)</source>
        <translation>float32（精确）</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="264"/>
        <source>bfloat16 (fast)</source>
        <translation>bfloat16（快速）</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="267"/>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="269"/>
        <source>Images</source>
        <translation>张数</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="371"/>
        <source>%1 % A · %2 % B</source>
        <translation>A %1% · B %2%</translation>
    </message>
    <message>
        <location filename="../ui/generation_form.cpp" line="378"/>
        <source>Use the seed of the last image again (%1)</source>
        <translation>再次使用上一张图像的种子（%1）</translation>
    </message>
</context>
<context>
    <name>deadiff::ui::GenerationWorker</name>
    <message>
        <location filename="../ui/generation_worker.cpp" line="130"/>
        <source>Not enough memory to load %1.</source>
        <translation>内存不足，无法加载 %1。</translation>
    </message>
    <message>
        <location filename="../ui/generation_worker.cpp" line="158"/>
        <location filename="../ui/generation_worker.cpp" line="209"/>
        <source>No model is loaded.</source>
        <translation>尚未加载模型。</translation>
    </message>
    <message>
        <location filename="../ui/generation_worker.cpp" line="185"/>
        <source>Out of memory. Try a smaller size, fewer images, or bfloat16 precision.</source>
        <translation>内存不足。请尝试更小的尺寸、更少的张数或 bfloat16 精度。</translation>
    </message>
    <message>
        <location filename="../ui/generation_worker.cpp" line="226"/>
        <source>Out of memory.</source>
        <translation>内存不足。</translation>
    </message>
</context>
<context>
    <name>deadiff::ui::ImageDropZone</name>
    <message>
        <location filename="../ui/drop_zone.cpp" line="69"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../ui/drop_zone.cpp" line="71"/>
        <source>Choose an image file</source>
        <translation>选择图像文件</translation>
    </message>
    <message>
        <location filename="../ui/drop_zone.cpp" line="72"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location filename="../ui/drop_zone.cpp" line="74"/>
        <source>Remove this reference</source>
        <translation>移除此参考图</translation>
    </message>
    <message>
        <location filename="../ui/drop_zone.cpp" line="105"/>
        <source>Choose %1</source>
        <translation>选择%1</translation>
    </message>
    <message>
        <location filename="../ui/drop_zone.cpp" line="154"/>
        <source>Cannot read %1</source>
        <translation>无法读取 %1</translation>
    </message>
    <message>
        <location filename="../ui/drop_zone.cpp" line="155"/>
        <source>Missing: %1</source>
        <translation>文件缺失：%1</translation>
    </message>
</context>
<context>
    <name>deadiff::ui::MainWindow</name>
    <message>
        <location filename="../ui/main_window.cpp" line="90"/>
        <source>DEADiff Studio</source>
        <translation>DEADiff 风格工作室</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="104"/>
        <source>LibTorch %1 · threads: %2 · %3 · %4</source>
        <translation>LibTorch %1 · 线程数：%2 · %3 · %4</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="108"/>
        <source>bfloat16 available</source>
        <translation>支持 bfloat16</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="108"/>
        <source>float32 only</source>
        <translation>仅支持 float32</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="173"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="174"/>
        <source>&amp;Open Settings from Image…</source>
        <translation>从图像打开设置(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="175"/>
        <source>Open Settings from Image</source>
        <translation>从图像打开设置</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="181"/>
        <source>Restore every setting from a PNG saved by DEADiff Studio</source>
        <translation>从 DEADiff 风格工作室保存的 PNG 中恢复全部设置</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="182"/>
        <source>&amp;Save Image…</source>
        <translation>保存图像(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="188"/>
        <source>Save the selected (or latest) result with its settings</source>
        <translation>连同设置一起保存选中的（或最新的）结果</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="190"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="194"/>
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="195"/>
        <source>&amp;Choose Model…</source>
        <translation>选择模型(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="199"/>
        <source>&amp;Reload Model</source>
        <translation>重新加载模型(&amp;R)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="201"/>
        <source>Recent &amp;Models</source>
        <translation>最近使用的模型(&amp;M)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="205"/>
        <location filename="../ui/main_window.cpp" line="206"/>
        <source>&amp;Generate</source>
        <translation>生成(&amp;G)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="210"/>
        <source>&amp;Cancel</source>
        <translation>取消(&amp;C)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="219"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="224"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="228"/>
        <source>System Language</source>
        <translation>跟随系统语言</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="239"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="240"/>
        <source>&amp;About DEADiff Studio</source>
        <translation>关于 DEADiff 风格工作室(&amp;A)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="241"/>
        <source>About &amp;Qt</source>
        <translation>关于 &amp;Qt</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="251"/>
        <source>Choose a model to start</source>
        <translation>请先选择一个模型</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="260"/>
        <source>DEADiff Studio paints your prompt in the style of a reference image.
It needs a DEADiff checkpoint (deadiff_v1.ckpt or .safetensors).</source>
        <translation>DEADiff 风格工作室会按照参考图像的风格绘制提示词描述的画面。
它需要一个 DEADiff 模型文件（deadiff_v1.ckpt 或 .safetensors）。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="267"/>
        <source>Choose Model…</source>
        <translation>选择模型…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="313"/>
        <source>The image appears here while it forms.
Drop a style image on the left, write a prompt, then press Generate (Ctrl+Enter).</source>
        <translation>图像生成过程会实时显示在这里。
在左侧拖入一张风格图，写下提示词，然后点击“生成”（Ctrl+Enter）。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="318"/>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="322"/>
        <source>Generate an image (Ctrl+Enter)</source>
        <translation>生成图像（Ctrl+Enter）</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="327"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="330"/>
        <source>Stop after the current step (Esc)</source>
        <translation>在当前步完成后停止（Esc）</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="337"/>
        <location filename="../ui/main_window.cpp" line="527"/>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="354"/>
        <source>never</source>
        <translation>从不</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="355"/>
        <source>every </source>
        <translation>每 </translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="356"/>
        <source> steps</source>
        <translation> 步</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="358"/>
        <source>The preview is a quick colour estimate; a full decode shows the real image but costs about one step each time.</source>
        <translation>预览只是快速的颜色估计；完整解码能显示真实图像，但每次大约多花一步的时间。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="363"/>
        <source>Full preview decode:</source>
        <translation>完整解码预览：</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="378"/>
        <source>Steps</source>
        <translation>逐步统计</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="384"/>
        <source>Gallery</source>
        <translation>图库</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="401"/>
        <location filename="../ui/main_window.cpp" line="666"/>
        <source>seed %1</source>
        <translation>种子 %1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="422"/>
        <source>Choose a DEADiff Model</source>
        <translation>选择 DEADiff 模型</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="423"/>
        <source>Checkpoints (*.safetensors *.ckpt *.pth *.pt);;All files (*)</source>
        <translation>模型文件 (*.safetensors *.ckpt *.pth *.pt);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="430"/>
        <source>Wait for the generation to finish (or cancel it) before changing the model.</source>
        <translation>请等待本次生成完成（或取消）后再更换模型。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="451"/>
        <source>Loading model… %p%</source>
        <translation>正在加载模型… %p%</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="452"/>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="476"/>
        <source>No recent models</source>
        <translation>没有最近使用的模型</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="481"/>
        <source>No model chosen.</source>
        <translation>尚未选择模型。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="487"/>
        <source>The model file %1 no longer exists. Choose another one.</source>
        <translation>模型文件 %1 已不存在，请重新选择。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="490"/>
        <source>The model file %1 cannot be read (permissions?).</source>
        <translation>无法读取模型文件 %1（请检查权限）。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="492"/>
        <source>Model: %1 (%2 MB)</source>
        <translation>模型：%1（%2 MB）</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="517"/>
        <source>Loading model: %1 %p%</source>
        <translation>正在加载模型：%1 %p%</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="529"/>
        <source>Model: %1 · computing in %2</source>
        <translation>模型：%1 · 计算精度 %2</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="533"/>
        <source>Model loaded: %1</source>
        <translation>模型已加载：%1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="537"/>
        <source>image size set to %1 × %1 px, the size it was trained at</source>
        <translation>图像尺寸已设为 %1 × %1 像素，即该模型的训练尺寸</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="551"/>
        <location filename="../ui/main_window.cpp" line="921"/>
        <source>No model</source>
        <translation>没有模型</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="553"/>
        <source>Could not load %1:
%2</source>
        <translation>无法加载 %1：
%2</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="556"/>
        <source>Could not load the model</source>
        <translation>无法加载模型</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="571"/>
        <source>The model is still loading.</source>
        <translation>模型仍在加载中。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="572"/>
        <location filename="../ui/main_window.cpp" line="921"/>
        <source>Choose a model first (Model menu).</source>
        <translation>请先选择模型（“模型”菜单）。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="580"/>
        <source>Cannot generate yet</source>
        <translation>暂时无法生成</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="581"/>
        <source>Fix that setting in the form on the left, then press Generate again.</source>
        <translation>请在左侧表单中修正该设置，然后再次点击“生成”。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="591"/>
        <source>Reference image missing</source>
        <translation>参考图缺失</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="592"/>
        <source>These reference images do not exist: %1</source>
        <translation>以下参考图不存在：%1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="594"/>
        <source>Drop the images again or clear their slots.</source>
        <translation>请重新拖入这些图像，或清除对应的位置。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="602"/>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="605"/>
        <source>Generating…</source>
        <translation>正在生成…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="613"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="621"/>
        <source>Generating with seed %1…</source>
        <translation>正在以种子 %1 生成…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="639"/>
        <source>Step %1 / %2</source>
        <translation>第 %1 / %2 步</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="641"/>
        <source>ETA %1 · %2 s/step</source>
        <translation>预计剩余 %1 · 每步 %2 秒</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="648"/>
        <source>step %1 / %2 · full decode</source>
        <translation>第 %1 / %2 步 · 完整解码</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="649"/>
        <source>step %1 / %2 · preview</source>
        <translation>第 %1 / %2 步 · 预览</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="669"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="670"/>
        <source>%1 in total</source>
        <translation>共用时 %1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="671"/>
        <source>Finished in %1 (seed %2). Right-click the result in the gallery to save it.</source>
        <translation>已完成，用时 %1（种子 %2）。在图库中右键点击结果即可保存。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="684"/>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="686"/>
        <source>Generation cancelled.</source>
        <translation>生成已取消。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="695"/>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="697"/>
        <source>The generation failed</source>
        <translation>生成失败</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="698"/>
        <source>Check the reference images and the settings, then press Generate again. If it keeps failing, reload the model (Model → Reload Model).</source>
        <translation>请检查参考图和各项设置，然后再次点击“生成”。如果仍然失败，请重新加载模型（模型 → 重新加载模型）。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="726"/>
        <source>Could not save the image</source>
        <translation>无法保存图像</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="727"/>
        <source>Choose another folder or free some disk space.</source>
        <translation>请选择其他文件夹，或释放一些磁盘空间。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="730"/>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="745"/>
        <source>Save Image</source>
        <translation>保存图像</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="176"/>
        <location filename="../ui/main_window.cpp" line="746"/>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="72"/>
        <source>Encoding prompt</source>
        <translation>正在编码提示词</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="73"/>
        <source>Encoding references</source>
        <translation>正在编码参考图</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="74"/>
        <source>Decoding image</source>
        <translation>正在解码图像</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="76"/>
        <source>Loading ControlNet</source>
        <translation>正在加载 ControlNet</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="557"/>
        <source>Choose a DEADiff checkpoint (.ckpt or .safetensors) from the Model menu. If the file was copied or downloaded, check that it is complete.</source>
        <translation>请从“模型”菜单中选择一个 DEADiff 检查点（.ckpt 或 .safetensors）。如果文件是复制或下载得到的，请检查它是否完整。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="759"/>
        <source>Image copied to the clipboard.</source>
        <translation>图像已复制到剪贴板。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="766"/>
        <source>Settings of that image restored (seed included).</source>
        <translation>已恢复该图像的设置（包括种子）。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="782"/>
        <source>Could not use the image as a reference</source>
        <translation>无法将该图像用作参考图</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="784"/>
        <source>Save the image somewhere and drop it onto a style slot instead.</source>
        <translation>请先将图像保存到某处，再把它拖到风格位置上。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="805"/>
        <source>Settings restored from %1.</source>
        <translation>已从 %1 恢复设置。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="809"/>
        <source>It was made with the model %1.</source>
        <translation>它是用模型 %1 生成的。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="795"/>
        <source>Cannot restore the settings</source>
        <translation>无法恢复设置</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="75"/>
        <source>Preparing ControlNet hint</source>
        <translation>正在准备 ControlNet 提示图</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="77"/>
        <source>Loading model</source>
        <translation>正在加载模型</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="796"/>
        <source>The image&apos;s settings come from an incompatible version; you can still use it as a style reference.</source>
        <translation>该图像的设置来自不兼容的版本；您仍然可以将它用作风格参考图。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="816"/>
        <source>%1 is not an image.</source>
        <translation>%1 不是图像。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="821"/>
        <source>Use as style reference?</source>
        <translation>用作风格参考图？</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="822"/>
        <source>%1 carries no DEADiff settings. Use it as a style reference?</source>
        <translation>%1 不包含 DEADiff 设置。要将它用作风格参考图吗？</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="826"/>
        <source>As Style A</source>
        <translation>作为风格 A</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="828"/>
        <source>As Style B</source>
        <translation>作为风格 B</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="865"/>
        <source>About DEADiff Studio</source>
        <translation>关于 DEADiff 风格工作室</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="866"/>
        <source>&lt;h3&gt;DEADiff Studio %1&lt;/h3&gt;&lt;p&gt;Stylize Stable Diffusion 1.5 with a reference image without losing the prompt: DEADiff (Qi et al., CVPR 2024) as a native desktop application.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;DEADiff 风格工作室 %1&lt;/h3&gt;&lt;p&gt;用一张参考图像为 Stable Diffusion 1.5 赋予风格，同时忠实于提示词：DEADiff（Qi 等，CVPR 2024）的原生桌面应用。&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="874"/>
        <source>The language changes the next time DEADiff Studio starts.</source>
        <translation>界面语言将在下次启动 DEADiff 风格工作室时生效。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="215"/>
        <source>&amp;Batch Export…</source>
        <translation>批量导出(&amp;B)…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="392"/>
        <source>Batch Queue</source>
        <translation>批量队列</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="947"/>
        <source>The batch job cannot run</source>
        <translation>批量任务无法运行</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="964"/>
        <source>batch image %1 of %2</source>
        <translation>批量图像 第 %1 / %2 张</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="972"/>
        <source>The batch job stopped</source>
        <translation>批量任务已停止</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="973"/>
        <source>Images finished so far stay in %1; run the job again to continue.</source>
        <translation>已完成的图像保留在 %1 中；再次运行该任务即可继续。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="978"/>
        <source>Batch done: %1 new, %2 kept, in %3</source>
        <translation>批量完成：新生成 %1 张，保留 %2 张，位于 %3</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="982"/>
        <source>Batch cancelled; finished images stay in %1</source>
        <translation>批量已取消；已完成的图像保留在 %1 中</translation>
    </message>
</context>
<context>
    <name>deadiff::ui::StepPlot</name>
    <message>
        <location filename="../ui/step_plot.cpp" line="22"/>
        <source>Seconds per step</source>
        <translation>每步耗时（秒）</translation>
    </message>
    <message>
        <location filename="../ui/step_plot.cpp" line="28"/>
        <source>Change of the prediction</source>
        <translation>预测图像的变化量</translation>
    </message>
    <message>
        <location filename="../ui/step_plot.cpp" line="31"/>
        <source>Step</source>
        <translation>步</translation>
    </message>
    <message>
        <location filename="../ui/step_plot.cpp" line="32"/>
        <source>Seconds</source>
        <translation>秒</translation>
    </message>
    <message>
        <location filename="../ui/step_plot.cpp" line="33"/>
        <source>Relative change</source>
        <translation>相对变化</translation>
    </message>
    <message>
        <location filename="../ui/step_plot.cpp" line="46"/>
        <source>Save Plot as PNG…</source>
        <translation>将曲线图保存为 PNG…</translation>
    </message>
    <message>
        <location filename="../ui/step_plot.cpp" line="98"/>
        <location filename="../ui/step_plot.cpp" line="105"/>
        <source>Save Plot</source>
        <translation>保存曲线图</translation>
    </message>
    <message>
        <location filename="../ui/step_plot.cpp" line="99"/>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../ui/step_plot.cpp" line="106"/>
        <source>Could not write %1. Check that the folder exists and is writable.</source>
        <translation>无法写入 %1。请检查该文件夹是否存在且可写。</translation>
    </message>
</context>
</TS>
